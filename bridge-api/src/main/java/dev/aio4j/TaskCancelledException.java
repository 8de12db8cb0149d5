package dev.aio4j;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * The cancellation of a task by {@link Task#cancel()} or {@link Task#cancel(String)}, carrying the
 * name of the task that was cancelled: what {@link Task#join()} throws for it,
 * {@link Outcome.Cancelled#exception()} holds and the task's {@code toString()} shows (asyncio's
 * {@code CancelledError}). It is a {@link CancellationException}, so code that catches that
 * catches this too; cancellations that do not come from {@code cancel()} (a thread interrupted
 * outside any task, a cancelled {@code CompletableFuture} that a task followed) may be plain
 * {@code CancellationException}s.
 *
 * <p>Unless the loop is in debug mode ({@link LoopOptions#withDebug(boolean)}), it has no stack
 * trace: cancelling a million sleeping tasks costs no stack walk. In debug mode its stack trace
 * shows where {@code cancel()} was called.
 */
public class TaskCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    /** The name of the task that was cancelled. */
    private final String taskName;

    /**
     * Creates the cancellation of the task named {@code taskName}.
     *
     * @param message the detail message, such as {@code "Task-3 was cancelled"} or the message given to {@code cancel(String)} (may be null, as {@link Throwable}'s)
     * @param taskName the name of the task that was cancelled
     * @param withStackTrace whether to record the stack trace of the calling thread
     * @throws NullPointerException if {@code taskName} is null
     */
    @SuppressWarnings("this-escape") // Throwable's own fillInStackTrace, called non-virtually (javac 21+ warns of any call with this)
    public TaskCancelledException(@Nullable String message, String taskName, boolean withStackTrace) {
        super(message);
        this.taskName = Objects.requireNonNull(taskName, "taskName (TaskCancelledException)");
        if (withStackTrace) {
            super.fillInStackTrace();
        }
    }

    /** {@return the name of the task that was cancelled} asyncio's {@code CancelledError} has no such field. */
    public String taskName() {
        return taskName;
    }

    /**
     * Records no stack trace: the constructor records one when asked to. asyncio: no equivalent.
     *
     * @return this exception
     */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
