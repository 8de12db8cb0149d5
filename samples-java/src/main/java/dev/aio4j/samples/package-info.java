/**
 * The asyncio tutorial programs of docs/samples.md, written with aio4j: one class per program,
 * each with a {@code run()} that runs it, prints what it shows and checks its own claim, and a
 * {@code main}; {@link dev.aio4j.samples.Tour} runs them all.
 *
 * <p>Threading: each sample runs its own loop with {@code Async.run} or {@code Async.runAsync} on
 * the calling thread and closes it, with its servers and pools, before {@code run()} returns.
 * Samples share no state, but their timing checks assume they run one at a time.
 *
 * <p>Cancellation: interrupting the thread that runs a sample while its loop runs cancels its main
 * task (the rule of {@code Async.run}, asyncio's {@code KeyboardInterrupt}); the sample's tasks
 * are cancelled and waited for, its servers stopped, and {@code run()} throws, usually
 * {@link java.util.concurrent.CancellationException} (a blocking library may report the
 * interrupt as its own exception: H2 throws an {@code SQLException} from an interrupted query).
 */
@NullMarked
package dev.aio4j.samples;

import org.jspecify.annotations.NullMarked;
