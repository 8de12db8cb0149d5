package dev.aio4j;

import org.jspecify.annotations.Nullable;

/**
 * A function whose body may throw checked exceptions: the shape of blocking-style bodies that
 * receive an argument, such as {@link Async#run(ThrowingFunction)}'s and
 * {@link Async#taskGroup(ThrowingFunction)}'s, and of the non-blocking bodies that return a stage
 * ({@link Async#taskGroupAsync(ThrowingFunction)}, {@link Async#usingAsync}, the stream package's
 * {@code forEachAsync}, {@code generateAsync} and {@code map}).
 *
 * @param <A> the argument's type
 * @param <R> the result's type
 */
@FunctionalInterface
public interface ThrowingFunction<A extends @Nullable Object, R extends @Nullable Object> {
    /**
     * Runs the body.
     *
     * @param argument the argument
     * @return the result
     * @throws Exception whatever the body throws; aio4j passes it on by its exception rule
     */
    R apply(A argument) throws Exception;
}
