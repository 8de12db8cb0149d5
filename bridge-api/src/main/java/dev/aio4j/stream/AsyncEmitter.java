package dev.aio4j.stream;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The producer's side of a non-blocking generator ({@link AsyncIterable#generateAsync}): asyncio's
 * {@code yield} for a body that returns a stage instead of holding a thread.
 *
 * <p>Not thread-safe: call {@link #emitAsync} only after the stage of the previous call has
 * completed (a stage the body cancelled itself has completed).
 *
 * @param <T> the type of the elements
 */
public interface AsyncEmitter<T extends @Nullable Object> {

    /**
     * Hands {@code element} to the generator's buffer and returns a stage that completes when the
     * producer may emit the next one: at once (an already completed stage) while the buffer has
     * room, else when the consumer has taken enough (asyncio's {@code yield element}).
     *
     * <pre>{@code
     * static CompletionStage<Void> count(AsyncEmitter<Integer> out, int from, int to) {
     *     for (int i = from; i < to; i++) {
     *         CompletionStage<Void> room = out.emitAsync(i);
     *         CompletableFuture<Void> now = room.toCompletableFuture();
     *         if (!now.isDone()) {                          // full: go on when there is room
     *             int next = i + 1;
     *             return room.thenCompose(v -> count(out, next, to));
     *         }
     *         if (now.isCompletedExceptionally()) return room; // closed: the GeneratorExit ends the body
     *     }
     *     return CompletableFuture.completedFuture(null);
     * }
     * }</pre>
     *
     * <p><b>Cancellation:</b> when the consumer closes the generator, the stage of the pending
     * {@code emitAsync} (or of the next call) fails with
     * {@link java.util.concurrent.CancellationException} (asyncio's {@code GeneratorExit}), and so
     * does it when the loop closes while the walk is still going (asyncio's
     * {@code shutdown_asyncgens}): the body's handlers run, its clean-up with them, before the loop's
     * {@code close()} returns; what of its chain is still pending after that is cancelled. A body
     * that waits on something else when the close comes has the stage it returned cancelled. That
     * cancellation reaches the wait only through tasks: chain such a wait as aio4j tasks
     * ({@code Async.sleepAsync(d).thenCompose(...)}, {@code loop.adopt(stage).thenCompose(...)}), not
     * on a plain {@code CompletableFuture}, whose chain a cancellation of its end cannot reach (the
     * close then completes without waiting for the rest of the chain, and its clean-up runs when
     * the chain ends). Cancelling the returned stage withdraws nothing: the element is already in
     * the buffer. It makes no room either: an {@code emitAsync} after it while the buffer is still
     * full is accepted, its element goes in after the buffered ones (beyond the buffer's size), and
     * its stage completes when the consumer has made room, as a stage that was not cancelled does.
     *
     * <p><b>Exceptions:</b> an {@code emitAsync} after one that failed with that cancellation
     * fails with {@link IllegalStateException} (asyncio: "async generator ignored GeneratorExit"),
     * and so does one called while the stage of the previous call is still pending (misuse: the
     * element is not taken).
     *
     * <p><b>Threading:</b> a stage that was not completed at once completes on the generator's
     * loop. Actions before {@code emitAsync} happen-before the consumer receiving the element.
     *
     * @param element the element, which may be null if {@code T} allows it
     * @return a stage that completes when the producer may emit again
     */
    CompletionStage<@Nullable Void> emitAsync(T element);
}
