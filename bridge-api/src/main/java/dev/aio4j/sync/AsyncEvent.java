package dev.aio4j.sync;

import dev.aio4j.Task;
import dev.aio4j.spi.AsyncProvider;
import org.jspecify.annotations.Nullable;

/**
 * A flag that tasks can wait for: asyncio's {@code Event}. {@link #set()} wakes every task
 * waiting at that moment, and later waits return at once until {@link #clear()}.
 *
 * <p>asyncio's {@code Event.wait()} is {@link #await()} (blocking) and {@link #awaitAsync()}
 * (non-blocking) here: {@code wait()} is {@code Object}'s final method, and {@code event.wait()}
 * would compile and call it. The <a href="AsyncLock.html#general">general rules</a> of
 * {@code dev.aio4j.sync} apply: blocking methods refuse a loop's thread and turn an interrupt into
 * {@link java.util.concurrent.CancellationException}; {@code ...Async} methods need a current loop;
 * every method is safe to call from any thread.
 */
public interface AsyncEvent {

    /**
     * Creates an event that is not set (asyncio's {@code Event()}).
     *
     * @return a new event
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static AsyncEvent create() {
        return AsyncProvider.get().newEvent();
    }

    /**
     * Sets the event (asyncio's {@code set()}): every task waiting now wakes up, in both styles,
     * even if the event is cleared again before it runs; waits that start later return at once
     * until {@link #clear()}. Setting a set event does nothing. Throws nothing.
     *
     * <p><b>Threading:</b> actions before this call happen-before the woken waits return.
     */
    void set();

    /**
     * Clears the event (asyncio's {@code clear()}): waits that start after this call wait for the
     * next {@link #set()}. Waiters already woken by a {@code set()} are not affected. Throws
     * nothing.
     */
    void clear();

    /** {@return whether the event is set now (asyncio's {@code is_set()})}; a snapshot. Throws nothing. */
    boolean isSet();

    /**
     * Waits until the event is set, parking the calling thread (asyncio's
     * {@code await event.wait()}, for blocking-style bodies); returns at once if it is set.
     *
     * <p><b>Cancellation:</b> an interrupt throws
     * {@link java.util.concurrent.CancellationException}; see
     * <a href="AsyncLock.html#general">General rules</a>. Nothing needs undoing.
     *
     * <p><b>Threading:</b> actions before the {@link #set()} that woke it happen-before this
     * method returns.
     *
     * @throws java.util.concurrent.CancellationException if interrupted
     * @throws IllegalStateException if called on a loop's own thread
     */
    void await();

    /**
     * Returns a task that completes (with {@code null}) when the event is set (asyncio's
     * {@code event.wait()}); it is already done if the event is set now.
     *
     * <p><b>Cancellation:</b> cancelling the task ends its wait; the event is not affected.
     *
     * <p><b>Exceptions:</b> the task fails only by cancellation.
     *
     * <p><b>Threading:</b> actions before the {@link #set()} that completes it happen-before the
     * task completes.
     *
     * @return a task that completes when the event is set
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is
     *     closed
     */
    Task<@Nullable Void> awaitAsync();
}
