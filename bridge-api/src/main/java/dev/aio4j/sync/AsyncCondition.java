package dev.aio4j.sync;

import dev.aio4j.Task;
import dev.aio4j.spi.AsyncProvider;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A condition variable: asyncio's {@code Condition}. Tasks wait, with its lock released, until
 * another task that holds the lock signals them; a woken task holds the lock again when its wait
 * returns. It is itself an {@link AsyncLock} (the lock it was made with, or its own), as an
 * asyncio {@code Condition} has {@code acquire()}, {@code release()} and {@code async with}.
 *
 * <pre>{@code
 * AsyncCondition ready = AsyncCondition.create();
 * // consumer, blocking style
 * ready.withLock(() -> { ready.awaitUntil(() -> !items.isEmpty()); return items.remove(); });
 * // producer
 * ready.withLock(() -> { items.add(x); ready.signal(); return null; });
 * }</pre>
 *
 * <p>Names: {@code wait()}, {@code notify()} and {@code notifyAll()} are {@code Object}'s final
 * methods, so asyncio's {@code wait()} is {@link #await()}/{@link #awaitAsync()}, its
 * {@code wait_for(predicate)} is {@link #awaitUntil}/{@link #awaitUntilAsync} (in aio4j
 * {@code waitFor} is {@code asyncio.wait_for}, a timeout), and its {@code notify(n)} and
 * {@code notify_all()} are {@link #signal(int)} and {@link #signalAll()}, the names of
 * {@link java.util.concurrent.locks.Condition}.
 *
 * <p>The <a href="AsyncLock.html#general">general rules</a> of {@code dev.aio4j.sync} apply. As
 * the lock has no owner, "holding the lock" means that it is locked, which is what asyncio checks
 * too. Calling a wait or a signal without it is an {@link IllegalStateException} (asyncio's
 * {@code RuntimeError}), and never a {@link java.util.concurrent.CancellationException}.
 * Spurious wake-ups are possible (a cancelled waiter that had been signalled passes its signal on,
 * as asyncio 3.13 does; 3.11 drops it): wait in a loop, or with {@link #awaitUntil}.
 */
public interface AsyncCondition extends AsyncLock {

    /**
     * Creates a condition with a lock of its own (asyncio's {@code Condition()}).
     *
     * @return a new condition, unlocked
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static AsyncCondition create() {
        return AsyncProvider.get().newCondition(null);
    }

    /**
     * Creates a condition bound to {@code lock} (asyncio's {@code Condition(lock)}), so that
     * several conditions can share one lock; the condition's lock methods act on {@code lock}.
     *
     * @param lock a lock made by {@link AsyncLock#create()}, or another condition (whose lock is
     *     then shared)
     * @return a new condition
     * @throws NullPointerException if {@code lock} is null
     * @throws IllegalArgumentException if {@code lock} was made by another implementation
     */
    static AsyncCondition create(AsyncLock lock) {
        Objects.requireNonNull(lock, "lock");
        return AsyncProvider.get().newCondition(lock);
    }

    /**
     * Releases the lock, waits until signalled, and takes the lock back before returning,
     * parking the calling thread (asyncio's {@code await cond.wait()}, for blocking-style bodies).
     *
     * <p><b>Cancellation:</b> an interrupt ends the wait: the lock is taken back (waiting for it
     * without regard to further interrupts), then {@link java.util.concurrent.CancellationException}
     * is thrown, so that the caller's {@code finally} that releases the lock stays right, as in
     * asyncio. This holds also when the interrupt comes after the signal, while the call takes
     * the lock back (asyncio's {@code Condition.wait} raises the cancellation once it holds the
     * lock again); a signal that reached this waiter is then passed to the next waiter. Once the
     * call has returned, an interrupt is for the next wait.
     *
     * <p><b>Threading:</b> actions of the signalling task before it released the lock
     * happen-before this method returns.
     *
     * @throws IllegalStateException if the lock is not held, or if called on a loop's own thread
     * @throws java.util.concurrent.CancellationException if interrupted (the lock is held again)
     */
    void await();

    /**
     * Releases the lock and returns a task that completes (with {@code null}) once the condition
     * has been signalled and the lock taken back for the caller (asyncio's {@code cond.wait()}).
     * The lock is released before this method returns, and the waiter is registered before that,
     * so that no signal is missed.
     *
     * <p><b>Cancellation:</b> cancelling the task ends its wait, but the task stays running until
     * it has taken the lock back, then ends cancelled; so when it is done, cancelled or not, the
     * lock is held for the caller, who must release it (asyncio's rule). A signal that reached it
     * as it was cancelled is passed to the next waiter.
     *
     * <p><b>Exceptions:</b> the task fails only by cancellation.
     *
     * @return a task that completes when signalled, with the lock held again
     * @throws IllegalStateException if the lock is not held, or the calling thread belongs to no
     *     loop, or its loop is closed
     */
    Task<@Nullable Void> awaitAsync();

    /**
     * Waits until {@code predicate} is true, parking the calling thread (asyncio's
     * {@code await cond.wait_for(predicate)}): evaluates it, and while it is false, waits as
     * {@link #await()} does and evaluates it again. The predicate is called with the lock held, on
     * the calling thread.
     *
     * <p><b>Cancellation:</b> as {@link #await()}: on an interrupt the lock is taken back before
     * {@link java.util.concurrent.CancellationException} is thrown.
     *
     * <p><b>Exceptions:</b> what {@code predicate} throws, with the lock held.
     *
     * @param predicate the state to wait for
     * @throws NullPointerException if {@code predicate} is null
     * @throws IllegalStateException if the lock is not held, or if called on a loop's own thread
     * @throws java.util.concurrent.CancellationException if interrupted (the lock is held again)
     */
    void awaitUntil(BooleanSupplier predicate);

    /**
     * Returns a task that completes once {@code predicate} is true, with the lock held (asyncio's
     * {@code cond.wait_for(predicate)}): the predicate is evaluated at once on the calling thread,
     * then after each signal on the loop's thread, always with the lock held; the lock is released
     * while the task waits.
     *
     * <p><b>Cancellation:</b> as {@link #awaitAsync()}: when the task is done, cancelled or not,
     * the lock is held for the caller.
     *
     * <p><b>Exceptions:</b> the task fails with what {@code predicate} throws (the lock is held).
     *
     * @param predicate the state to wait for
     * @return a task that completes when {@code predicate} is true, with the lock held
     * @throws NullPointerException if {@code predicate} is null
     * @throws IllegalStateException if the lock is not held, or the calling thread belongs to no
     *     loop, or its loop is closed
     */
    Task<@Nullable Void> awaitUntilAsync(BooleanSupplier predicate);

    /**
     * Wakes one waiting task, if any (asyncio's {@code notify()}).
     *
     * @throws IllegalStateException if the lock is not held
     */
    void signal();

    /**
     * Wakes at most {@code n} waiting tasks, the longest-waiting first (asyncio's
     * {@code notify(n)}). Each will hold the lock in turn when its wait returns: they join the
     * lock's line at this call, in the order they waited, so they hold it in that order (unless
     * another task was already waiting for the lock, which then goes first), whether they wait
     * in blocking or non-blocking style, on either threading.
     *
     * <p><b>Threading:</b> actions before this call happen-before the woken waits return.
     *
     * @param n how many to wake, zero or more
     * @throws IllegalArgumentException if {@code n} is negative
     * @throws IllegalStateException if the lock is not held
     */
    void signal(int n);

    /**
     * Wakes every waiting task (asyncio's {@code notify_all()}); they hold the lock in turn, in the
     * order they waited, as {@link #signal(int)} says.
     *
     * @throws IllegalStateException if the lock is not held
     */
    void signalAll();
}
