package dev.aio4j;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A task's body threw a checked exception; {@link #getCause()} is that exception, as it was
 * thrown.
 *
 * <p>aio4j's one exception rule: what a task's body throws arrives at whoever awaits the task
 * <em>as itself</em> when it is a {@link RuntimeException} or an {@link Error}, and wrapped once
 * in this exception when it is checked. There is no {@code CompletionException} or
 * {@code ExecutionException} onion, except from {@link Task#toCompletableFuture()}'s own
 * {@code get()}, whose contract says {@code ExecutionException}.
 *
 * <p>A task's failure is never this wrapper: a body that lets one through (a blocking body that
 * passes on what {@code join()} threw) fails with its cause, the checked exception as it was first
 * thrown, with what was added to the wrapper on the way ({@linkplain Throwable#getSuppressed()
 * suppressed}) moved onto it; so {@code exceptionNow()}, {@code whenComplete} and
 * {@code gatherOutcomes} see the same exception in both body styles, and {@code join()} wraps it
 * once again.
 */
public final class TaskFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Wraps a checked exception thrown by a task's body.
     *
     * @param message what failed, typically the task's name
     * @param cause the checked exception, never a {@link RuntimeException} or {@link Error}
     * @throws NullPointerException if {@code cause} is null
     */
    public TaskFailedException(@Nullable String message, Throwable cause) {
        super(message, Objects.requireNonNull(cause, "cause (TaskFailedException)"));
    }

    /** {@return the checked exception that the body threw} asyncio: no equivalent (Python has no checked exceptions). */
    @Override
    public synchronized Throwable getCause() {
        Throwable cause = super.getCause();
        assert cause != null;
        return cause;
    }
}
