/**
 * Benchmarks of aio4j against kotlinx.coroutines, {@code CompletableFuture}, virtual threads and
 * (through {@code benchmarks/asyncio_bench.py}) Python asyncio: JMH benchmarks for per-operation
 * costs ({@code *Bench}) and timed programs for wall time and memory ({@link dev.aio4j.bench.Sleepers},
 * {@link dev.aio4j.bench.FanOut}), all started by {@code benchmarks/run}.
 *
 * <p>Threading: every benchmark makes its own loops, coroutines and threads and ends them before it
 * returns; nothing here is shared between benchmarks.
 */
@NullMarked
package dev.aio4j.bench;

import org.jspecify.annotations.NullMarked;
