package dev.aio4j;

import java.time.Duration;

/**
 * A callback scheduled for a time by {@link Loop#callLater} or {@link Loop#callAt}: asyncio's
 * {@code TimerHandle}. Cancelling it before the time removes it from the loop's timers.
 *
 * <p>Safe to use from any thread.
 */
public interface TimerHandle extends Handle {
    /**
     * {@return the loop time, on {@link Loop#time()}'s clock, at which the callback is due (asyncio's
     * {@code when()})} A time beyond what the loop's nanosecond clock can hold (about 292 years)
     * means "never": it reads as the farthest time the clock holds, not as the time given. Never
     * waits; throws nothing.
     */
    Duration when();
}
