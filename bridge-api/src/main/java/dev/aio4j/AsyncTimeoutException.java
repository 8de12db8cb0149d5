package dev.aio4j;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A deadline of {@link Async#waitFor}, {@link Async#timeout}, {@link Task#join(Duration)} or
 * {@code asCompleted} passed: asyncio's {@code TimeoutError}.
 *
 * <p>It is <em>not</em> a {@link java.util.concurrent.CancellationException}, as asyncio's
 * {@code TimeoutError} is not a {@code CancelledError}: a timeout turns only its own
 * cancellation into this exception, and a cancellation from outside stays a cancellation.
 * Nor is it {@link java.util.concurrent.TimeoutException}, which is checked.
 *
 * <p>Its cause, as {@code TimeoutError}'s {@code __cause__}, is the cancellation the deadline made
 * when it made one: for {@code waitFor}, {@code timeoutAsync} and {@code timeoutScopeAsync}, the
 * {@link TaskCancelledException} of the task it cancelled; for the blocking {@code timeout} and
 * {@code timeoutScope}, the {@link java.util.concurrent.CancellationException} that ended the
 * body's wait (not a {@code TaskCancelledException}: the task itself was not cancelled), or what
 * the body threw for the interrupt (an {@link InterruptedException}, a driver's exception around
 * it). A deadline that cancels nothing ({@link Task#join(Duration)}, {@code asCompleted}) gives
 * no cause.
 */
public final class AsyncTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The length of the deadline that passed, or {@code null} if unknown. */
    private final @Nullable Duration timeout;

    /**
     * Creates the exception for a deadline of the given length.
     *
     * @param message what timed out
     * @param timeout the length of the deadline that passed, or {@code null} if unknown
     * @throws NullPointerException if {@code message} is null
     */
    public AsyncTimeoutException(String message, @Nullable Duration timeout) {
        super(Objects.requireNonNull(message, "message (AsyncTimeoutException)"));
        this.timeout = timeout;
    }

    /** {@return the length of the deadline that passed, or {@code null} if unknown} asyncio's {@code TimeoutError} has no such field. */
    public @Nullable Duration timeout() {
        return timeout;
    }
}
