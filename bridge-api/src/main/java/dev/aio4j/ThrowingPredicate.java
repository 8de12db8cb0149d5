package dev.aio4j;

import org.jspecify.annotations.Nullable;

/**
 * A test whose body may throw checked exceptions: the shape of
 * {@link dev.aio4j.stream.AsyncIterable#filter(ThrowingPredicate)}'s predicate.
 *
 * @param <A> the argument's type
 */
@FunctionalInterface
public interface ThrowingPredicate<A extends @Nullable Object> {
    /**
     * Runs the test.
     *
     * @param argument the argument
     * @return whether {@code argument} passes
     * @throws Exception whatever the body throws; aio4j passes it on by its exception rule
     */
    boolean test(A argument) throws Exception;
}
