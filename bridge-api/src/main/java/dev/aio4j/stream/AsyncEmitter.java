package dev.aio4j.stream;

import dev.aio4j.Task;
import org.jspecify.annotations.Nullable;

/**
 * The producer's side of a non-blocking generator ({@link AsyncIterable#generateAsync}): asyncio's
 * {@code yield} for a body that returns a stage instead of holding a thread.
 *
 * <p>Not thread-safe: call {@link #emitAsync} only after the task of the previous call has
 * completed (a task the body cancelled itself has completed).
 *
 * @param <T> the type of the elements
 */
public interface AsyncEmitter<T extends @Nullable Object> {

    /**
     * Hands {@code element} to the generator's buffer and returns a task that completes when the
     * producer may emit the next one: at once (a task already done) while the buffer has room, else
     * when the consumer has taken enough (asyncio's {@code yield element}).
     *
     * <pre>{@code
     * static CompletionStage<Void> count(AsyncEmitter<Integer> out, int from, int to) {
     *     for (int i = from; i < to; i++) {
     *         Task<Void> room = out.emitAsync(i);
     *         if (!room.isDone()) {                           // full: go on when there is room
     *             int next = i + 1;
     *             return room.thenCompose(v -> count(out, next, to));
     *         }
     *         if (room.state() != TaskState.SUCCESS) return room; // closed: the GeneratorExit ends the body
     *     }
     *     return CompletableFuture.completedFuture(null);
     * }
     * }</pre>
     *
     * <p><b>Cancellation:</b> when the consumer closes the generator, the task of the pending
     * {@code emitAsync} (or of the next call) ends cancelled with a
     * {@link java.util.concurrent.CancellationException} (asyncio's {@code GeneratorExit}), and so
     * does it when the loop closes while the walk is still going (asyncio's
     * {@code shutdown_asyncgens}): the body's handlers run, its clean-up with them, before the loop's
     * {@code close()} returns; what of its chain is still pending after that is cancelled. A body
     * that waits on something else when the close comes has the stage it returned cancelled. That
     * cancellation reaches the wait through tasks: what the body chains on this task
     * ({@code emitAsync(x).thenCompose(v -> Async.sleepAsync(d))}) is a chain of tasks, and so is
     * {@code loop.adopt(stage).thenCompose(...)}; a chain built on a plain {@code CompletableFuture}
     * is not: a cancellation of its end cannot reach back into it (the close then completes without
     * waiting for the rest of that chain, and its clean-up runs when the chain ends). Cancelling the
     * returned task withdraws nothing: the element is already in the buffer. It makes no room
     * either: an {@code emitAsync} after it while the buffer is still full is accepted, its element
     * goes in after the buffered ones (beyond the buffer's size), and its task completes when the
     * consumer has made room, as a task that was not cancelled does.
     *
     * <p><b>Exceptions:</b> an {@code emitAsync} after one that ended with that cancellation
     * returns a task failed with {@link IllegalStateException} (asyncio: "async generator ignored
     * GeneratorExit"; that failure then fails the consumer's close, even if the body handles it and
     * completes normally), and so does one called while the task of the previous call is still pending
     * (misuse: the element is not taken). Such a failed task is reported to the loop's exception
     * handler if nobody looks at its outcome, as any task's failure is.
     *
     * <p><b>Threading:</b> a task that was not done at once completes on the generator's loop.
     * Actions before {@code emitAsync} happen-before the consumer receiving the element. The
     * task done at once is the same object for every call of one walk while the buffer has room
     * (nothing is allocated per element).
     *
     * @param element the element, which may be null if {@code T} allows it
     * @return a task that completes when the producer may emit again
     */
    Task<@Nullable Void> emitAsync(T element);
}
