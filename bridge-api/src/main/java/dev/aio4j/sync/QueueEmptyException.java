package dev.aio4j.sync;

import org.jspecify.annotations.Nullable;

/**
 * A {@link AsyncQueue#getNow} found the queue empty: asyncio's {@code QueueEmpty}.
 *
 * <p>Unchecked, and not an {@link IllegalStateException}, so that a {@code catch} of one never
 * catches a {@link java.util.concurrent.CancellationException} by accident.
 */
public final class QueueEmptyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened (may be null, as {@link Throwable}'s)
     */
    public QueueEmptyException(@Nullable String message) {
        super(message);
    }
}
