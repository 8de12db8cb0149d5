package dev.aio4j;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The deadline of a running {@link Async#timeoutScope} or {@link Async#timeoutScopeAsync}, handed to
 * its body: asyncio's {@code Timeout}, the object that {@code async with asyncio.timeout(delay) as cm}
 * binds. The body may read the deadline and move it, which is how an idle timeout is written: push
 * the deadline back each time something arrives.
 *
 * <p>Deadlines are loop times, on {@link Loop#time()}'s clock (asyncio's {@code loop.time()}), as
 * {@link Loop#callAt} takes them; {@code null} means no deadline.
 *
 * <p>Safe to use from any thread: the deadline is a timer of the scope's loop, and every method takes
 * effect at once.
 */
public interface TimeoutScope {

    /**
     * Returns the current deadline (asyncio's {@code Timeout.when()}). Does not wait; throws nothing.
     *
     * @return the loop time at which the scope expires, or {@code null} if it has no deadline
     */
    @Nullable Duration deadline();

    /**
     * Moves the deadline (asyncio's {@code Timeout.reschedule()}): to {@code deadline}, a loop time
     * on {@link Loop#time()}'s clock, or to none with {@code null}. A deadline that has already
     * passed expires the scope at the loop's next step. Does not wait.
     *
     * @param deadline the new deadline, or {@code null} for none
     * @throws IllegalStateException if the scope has expired already (its body is being interrupted
     *     or its stage cancelled) or has ended, as asyncio's {@code reschedule} raises
     *     {@code RuntimeError} then
     */
    void reschedule(@Nullable Duration deadline);

    /**
     * Returns whether the deadline has passed and the scope has acted on it (asyncio's
     * {@code Timeout.expired()}): it interrupted the body or cancelled its stage. It stays
     * {@code true} after the scope has ended, whether the body then raised the timeout or not.
     * Does not wait; throws nothing.
     *
     * @return whether the scope expired
     */
    boolean expired();
}
