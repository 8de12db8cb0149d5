package dev.aio4j.sync;

import org.jspecify.annotations.Nullable;

/**
 * A put on a queue that was {@linkplain AsyncQueue#shutdown() shut down}, or a get on one that is
 * shut down and empty: asyncio's {@code QueueShutDown} (Python 3.13). Waiting getters and putters
 * are released with it when the queue is shut down.
 *
 * <p>Unchecked, and not an {@link IllegalStateException}, so that a {@code catch} of one never
 * catches a {@link java.util.concurrent.CancellationException} by accident.
 */
public final class QueueShutDownException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened (may be null, as {@link Throwable}'s)
     */
    public QueueShutDownException(@Nullable String message) {
        super(message);
    }
}
