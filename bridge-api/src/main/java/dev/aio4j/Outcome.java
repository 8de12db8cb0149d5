package dev.aio4j;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * How a task ended: {@link Success}, {@link Failure} or {@link Cancelled}; the element type of
 * {@link Async#gatherOutcomes} (asyncio's {@code gather(..., return_exceptions=True)}).
 *
 * <p>On Java 21 and later, a {@code switch} takes it apart:
 *
 * <pre>{@code
 * switch (outcome) {
 *     case Outcome.Success<String> s -> use(s.value());
 *     case Outcome.Failure<String> f -> log(f.exception());
 *     case Outcome.Cancelled<String> c -> skip();
 * }
 * }</pre>
 *
 * @param <T> the type of a successful result
 */
public sealed interface Outcome<T extends @Nullable Object> {

    /**
     * A result.
     *
     * @param value the task's result
     * @param <T> the type of the result
     */
    record Success<T extends @Nullable Object>(T value) implements Outcome<T> {}

    /**
     * An exception that is not a cancellation, as the body threw it (never wrapped).
     *
     * @param exception the exception
     * @param <T> the type a result would have had
     */
    record Failure<T extends @Nullable Object>(Throwable exception) implements Outcome<T> {
        /**
         * Creates the outcome.
         *
         * @param exception the exception, not a {@link CancellationException}
         * @throws NullPointerException if {@code exception} is null
         * @throws IllegalArgumentException if {@code exception} is a cancellation
         */
        public Failure {
            Objects.requireNonNull(exception, "exception (Outcome.Failure)");
            if (exception instanceof CancellationException) {
                throw new IllegalArgumentException("a cancellation is Outcome.Cancelled, not a Failure", exception);
            }
        }
    }

    /**
     * A cancellation.
     *
     * @param exception the cancellation exception the task ended with
     * @param <T> the type a result would have had
     */
    record Cancelled<T extends @Nullable Object>(CancellationException exception) implements Outcome<T> {
        /**
         * Creates the outcome.
         *
         * @param exception the cancellation exception
         * @throws NullPointerException if {@code exception} is null
         */
        public Cancelled {
            Objects.requireNonNull(exception, "exception (Outcome.Cancelled)");
        }
    }

    /**
     * Returns the value, or throws as {@link Task#join()} would: an unchecked exception as
     * itself, a checked one wrapped in {@link TaskFailedException}, a cancellation as its
     * {@link CancellationException} (asyncio's {@code result()} of a done task). Never waits.
     *
     * @return the value of a {@link Success}
     * @throws CancellationException the exception of a {@link Cancelled}
     * @throws TaskFailedException wrapping the checked exception of a {@link Failure}
     */
    default T getOrThrow() {
        if (this instanceof Success<T> s) {
            return s.value();
        }
        if (this instanceof Cancelled<T> c) {
            throw c.exception();
        }
        Throwable e = ((Failure<T>) this).exception();
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        throw new TaskFailedException(e.toString(), e);
    }
}
