package dev.aio4j;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link LoopExceptionHandler} receives: asyncio's exception-handler {@code context}
 * dictionary.
 *
 * @param message what happened, e.g. {@code "Task exception was never retrieved"}
 * @param exception the exception, if any
 * @param task the task concerned, if any
 */
public record ExceptionContext(String message, @Nullable Throwable exception, @Nullable Task<?> task) {
    /**
     * Creates a context.
     *
     * @param message what happened
     * @param exception the exception, if any
     * @param task the task concerned, if any
     * @throws NullPointerException if {@code message} is null
     */
    public ExceptionContext {
        Objects.requireNonNull(message, "message (ExceptionContext)");
    }
}
