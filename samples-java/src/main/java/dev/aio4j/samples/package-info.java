/**
 * The asyncio tutorial programs of {@code SAMPLES.md}, written with aio4j: one class per program,
 * each with a {@code run()} that runs it, prints what it shows and checks its own claim, and a
 * {@code main}; {@link dev.aio4j.samples.Tour} runs them all.
 *
 * <p>Threading: each sample runs its own loop with {@code Async.run} or {@code Async.runAsync} on
 * the calling thread and closes it, with its servers and pools, before {@code run()} returns.
 * Samples share no state, but their timing checks assume they run one at a time.
 */
@NullMarked
package dev.aio4j.samples;

import org.jspecify.annotations.NullMarked;
