package dev.aio4j;

/**
 * The life cycle of a {@link Task}, as an enum to {@code switch} on.
 *
 * <pre>
 *   PENDING ──start──▶ RUNNING ──body returns──────▶ SUCCESS
 *      │                  │    ──body throws───────▶ FAILED
 *      │                  └─cancel(): still RUNNING
 *      │                     until the body ends ──▶ CANCELLED (or FAILED if the body
 *      │                                              then throws something else)
 *      └──cancel() before the body starts──────────▶ CANCELLED (the body never runs)
 * </pre>
 *
 * <p>The names are those of {@code java.util.concurrent.Future.State} (JDK 19) plus
 * {@code PENDING}: asyncio has no such enum, but its {@code Task.done()} and
 * {@code Task.cancelled()} are {@link Task#isDone()} and {@code state() == CANCELLED}.
 */
public enum TaskState {
    /** Created; its body has not started (it waits for its thread or for the loop). */
    PENDING,
    /** Its body is running, or it was cancelled and its body has not finished yet. */
    RUNNING,
    /** Done with a result. */
    SUCCESS,
    /** Done with an exception that is not a cancellation. */
    FAILED,
    /** Done by cancellation. */
    CANCELLED;

    /** {@return whether this state is one of the three final ones} (asyncio's {@code done()}); throws nothing. */
    public boolean isDone() {
        return this == SUCCESS || this == FAILED || this == CANCELLED;
    }
}
