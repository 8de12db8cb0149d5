package dev.aio4j.stream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * An iterator whose next element may not be there yet: asyncio's asynchronous iterator
 * ({@code __anext__}), in the shape of kotlinx's {@code ChannelIterator}: wait on
 * {@link #hasNext()}, then take the element with {@link #next()}.
 *
 * <p>Not thread-safe: one consumer at a time, which calls {@link #next()} only after the stage of
 * {@link #hasNext()} completed with {@code true}. Not sealed: implement it for your own sources.
 *
 * @param <T> the type of the elements
 */
public interface AsyncIterator<T extends @Nullable Object> extends AsyncCloseable {

    /**
     * Waits for the next element or the end (asyncio's {@code __anext__}, which returns the element
     * or raises {@code StopAsyncIteration}).
     *
     * <p><b>Cancellation:</b> cancelling the returned stage abandons the wait; the iterator should
     * then be {@linkplain #closeAsync() closed}.
     *
     * @return a stage that completes with {@code true} when {@link #next()} has an element, with
     *     {@code false} at the end, or exceptionally if the source failed
     */
    CompletionStage<Boolean> hasNext();

    /**
     * Returns the element that the last {@link #hasNext()} announced (the result of asyncio's
     * {@code __anext__}). It never waits.
     *
     * @return the element
     * @throws java.util.NoSuchElementException if there is none
     */
    T next();

    /**
     * Closes the iterator and its source early (asyncio's {@code aclose()} of an async generator);
     * by default does nothing and throws nothing. See {@link AsyncCloseable#closeAsync()} for its
     * cancellation.
     *
     * @return a completed stage
     */
    @Override
    default CompletionStage<@Nullable Void> closeAsync() {
        return CompletableFuture.completedFuture(null);
    }
}
