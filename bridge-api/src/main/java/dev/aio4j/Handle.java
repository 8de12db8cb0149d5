package dev.aio4j;

/**
 * A callback scheduled on a {@link Loop} by {@link Loop#callSoon}: asyncio's {@code Handle}.
 *
 * <p>Safe to use from any thread.
 */
public interface Handle {
    /**
     * Cancels the callback if it has not run yet (asyncio's {@code Handle.cancel()}); does nothing
     * otherwise. Never waits, and throws nothing, on a closed loop too.
     */
    void cancel();

    /** {@return whether {@link #cancel()} was called (asyncio's {@code Handle.cancelled()})} Never waits; throws nothing. */
    boolean isCancelled();
}
