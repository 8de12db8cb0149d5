package dev.aio4j.sync;

import org.jspecify.annotations.Nullable;

/**
 * A {@link AsyncQueue#putNow} found the queue full: asyncio's {@code QueueFull}.
 *
 * <p>Unchecked, and not an {@link IllegalStateException}, so that a {@code catch} of one never
 * catches a {@link java.util.concurrent.CancellationException} by accident.
 */
public final class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened (may be null, as {@link Throwable}'s)
     */
    public QueueFullException(@Nullable String message) {
        super(message);
    }
}
