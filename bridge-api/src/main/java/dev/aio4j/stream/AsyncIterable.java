package dev.aio4j.stream;

import dev.aio4j.Task;
import dev.aio4j.spi.AsyncProvider;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A source of {@link AsyncIterator}s: the object of asyncio's {@code async for}.
 *
 * <p>Not sealed: implement {@link #asyncIterator()} for your own sources.
 *
 * @param <T> the type of the elements
 */
@FunctionalInterface
public interface AsyncIterable<T extends @Nullable Object> {

    /** {@return a new iterator over the elements} */
    AsyncIterator<T> asyncIterator();

    /**
     * Runs {@code action} on every element, in order, without holding a thread while it waits
     * for the next one (asyncio's {@code async for x in it: action(x)}); the iterator is closed at
     * the end, on failure and on cancellation.
     *
     * <p><b>Cancellation:</b> cancelling the returned task abandons the wait for the next element
     * and closes the iterator; the task is cancelled when the closing has finished.
     *
     * <p><b>Exceptions:</b> the task fails with what the source or {@code action} threw, by the
     * rule of {@link Task}; a failure to close is added as suppressed, or fails the task if nothing
     * else did.
     *
     * <p><b>Threading:</b> {@code action} runs on the current loop's thread, one element at a time.
     *
     * @param action what to do with each element
     * @return a task that completes when every element has been handled and the iterator closed
     * @throws NullPointerException if {@code action} is null
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    default Task<@Nullable Void> forEach(Consumer<? super T> action) {
        return AsyncProvider.get().forEach(this, action);
    }
}
