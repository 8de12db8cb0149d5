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
 */
public final class AsyncTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The length of the deadline that passed, or {@code null} if unknown. */
    private final @Nullable Duration timeout;

    /**
     * Creates the exception for a deadline of the given length.
     *
     * @param message what timed out (may be null, as {@link Throwable}'s)
     * @param timeout the length of the deadline that passed, or {@code null} if unknown
     * @throws NullPointerException if {@code message} is null
     */
    public AsyncTimeoutException(@Nullable String message, @Nullable Duration timeout) {
        super(Objects.requireNonNull(message, "message (AsyncTimeoutException)"));
        this.timeout = timeout;
    }

    /** {@return the length of the deadline that passed, or {@code null} if unknown} asyncio's {@code TimeoutError} has no such field. */
    public @Nullable Duration timeout() {
        return timeout;
    }
}
