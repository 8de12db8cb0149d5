package dev.aio4j;

import org.jspecify.annotations.Nullable;

/**
 * A body that receives an argument, returns nothing, and may throw checked exceptions: the shape
 * of {@link Async#taskGroup(ThrowingConsumer)}'s body when it only starts tasks, and of
 * {@link dev.aio4j.stream.AsyncIterable#forEach(ThrowingConsumer)}'s action.
 *
 * @param <A> the argument's type
 */
@FunctionalInterface
public interface ThrowingConsumer<A extends @Nullable Object> {
    /**
     * Runs the body.
     *
     * @param argument the argument
     * @throws Exception whatever the body throws; aio4j passes it on by its exception rule
     */
    void accept(A argument) throws Exception;
}
