package dev.aio4j.sync;

import dev.aio4j.Task;
import dev.aio4j.ThrowingRunnable;
import dev.aio4j.spi.AsyncProvider;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A counting semaphore for tasks: asyncio's {@code Semaphore} ({@link #create(int)}) and
 * {@code BoundedSemaphore} ({@link #bounded(int)}). It
 * has no owner: any task may release a permit.
 *
 * <pre>{@code
 * AsyncSemaphore twoAtATime = AsyncSemaphore.create(2);
 * twoAtATime.withPermit(() -> fetch(url));                 // blocking style
 * Task<String> t = twoAtATime.withPermitAsync(() -> fetchAsync(url)); // non-blocking style
 * }</pre>
 *
 * <p>The <a href="AsyncLock.html#general">general rules</a> of {@code dev.aio4j.sync} apply:
 * blocking methods refuse a loop's thread and turn an interrupt into
 * {@link java.util.concurrent.CancellationException} with no permit taken; {@code ...Async}
 * methods need a current loop, and a cancelled acquire holds no permit; waiters are served first
 * come, first served; every method is safe to call from any thread.
 */
public interface AsyncSemaphore {

    /**
     * Creates a semaphore with {@code permits} permits (asyncio's {@code Semaphore(value)}).
     * {@link #release()} may raise the count above {@code permits}, as asyncio's may.
     *
     * @param permits the initial number of permits, zero or more
     * @return a new semaphore
     * @throws IllegalArgumentException if {@code permits} is negative (asyncio's
     *     {@code ValueError})
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static AsyncSemaphore create(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must not be negative: " + permits);
        }
        return AsyncProvider.get().newSemaphore(permits, false);
    }

    /**
     * Creates a bounded semaphore (asyncio's {@code BoundedSemaphore(value)}): a
     * {@link #release()} that would raise the count above {@code permits} is an error, which
     * catches a release without a matching acquire. A permit on its way to a waiter (handed over,
     * the waiter's task not yet complete) is not in the count, as in asyncio (3.11.7): an extra
     * release made then is accepted. If that waiter is then cancelled, the permit it gives back
     * finds the count at its bound; it is dropped, and the extra release is reported to the
     * current loop's exception handler as an {@link IllegalStateException}; the cancellation
     * itself throws nothing (asyncio keeps the permit, and ends above its bound).
     *
     * @param permits the initial and largest number of permits, zero or more
     * @return a new bounded semaphore
     * @throws IllegalArgumentException if {@code permits} is negative
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static AsyncSemaphore bounded(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must not be negative: " + permits);
        }
        return AsyncProvider.get().newSemaphore(permits, true);
    }

    /**
     * Waits for a permit and takes it, parking the calling thread (asyncio's
     * {@code await sem.acquire()}, for blocking-style bodies); returns a handle whose
     * {@link Held#close()} gives the permit back, for try-with-resources. An uncontended call
     * makes no task.
     *
     * <p><b>Cancellation:</b> an interrupt throws {@link java.util.concurrent.CancellationException}
     * with no permit taken; see <a href="AsyncLock.html#general">General rules</a>.
     *
     * <p><b>Threading:</b> actions before the {@link #release()} that made the permit available
     * happen-before this method returns.
     *
     * @return the handle that releases the permit (ignoring it is fine: call {@link #release()})
     * @throws java.util.concurrent.CancellationException if interrupted
     * @throws IllegalStateException if called on a loop's own thread
     */
    Held acquire();

    /**
     * Returns a task that completes (with {@code null}) once a permit has been taken for the
     * caller (asyncio's {@code acquire()}); {@link #release()} it when done, or use
     * {@link #withPermitAsync}. Permits are handed out in the order of the calls: when one is
     * free and no one waits, it is taken before this method returns and the task is already done.
     *
     * <p><b>Cancellation:</b> cancelling the task while it waits withdraws it; a cancelled task
     * holds no permit: one handed a permit but not yet completed (it completes in a later step of
     * the loop) gives it back at once and ends cancelled.
     *
     * <p><b>Releasing in a chain:</b> once the task has completed the permit is the caller's.
     * The stages derived from the task are tasks (see {@link Task}): in {@code
     * acquireAsync().thenCompose(v -> { ...; semaphore.release(); ... })} a cancellation that
     * arrives once the task has completed still runs the function, so the release is not skipped;
     * one that arrives before gives the permit back, and the function does not run. A
     * function that throws before its release loses the permit: prefer {@link #withPermitAsync},
     * which releases however its body ends, or release in a {@code whenComplete}.
     *
     * <p><b>Exceptions:</b> the task fails only by cancellation.
     *
     * @return a task that completes when a permit is taken
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is
     *     closed
     */
    Task<@Nullable Void> acquireAsync();

    /**
     * Takes a permit if one is free and no one waits, without waiting (JDK
     * {@code Semaphore.tryAcquire()}; asyncio has no such method: {@code if not sem.locked()}
     * followed by an {@code acquire()} that does not yield is its idiom). Throws nothing.
     *
     * @return whether a permit was taken
     */
    boolean tryAcquire();

    /**
     * Gives a permit back (asyncio's {@code release()}): the first waiter, if any, gets it. Any
     * thread may release a permit.
     *
     * <p><b>Threading:</b> actions before this call happen-before the acquire that the permit
     * lets through returns or completes.
     *
     * @throws IllegalStateException if the semaphore is {@linkplain #bounded(int) bounded} and all
     *     its permits are already free (asyncio's {@code ValueError}: "BoundedSemaphore released
     *     too many times"); the count is unchanged. Also, for any semaphore, if the count would
     *     exceed {@link Integer#MAX_VALUE}
     */
    void release();

    /**
     * Runs {@code body} holding a permit, parking the calling thread until one is free (asyncio's
     * {@code async with sem:}, for blocking-style bodies); the permit is released when
     * {@code body} returns or throws.
     *
     * <p><b>Cancellation:</b> as {@link AsyncLock#withLock}: an interrupt while waiting throws
     * {@link java.util.concurrent.CancellationException} and {@code body} does not run.
     *
     * <p><b>Exceptions:</b> what {@code body} throws, by the rule in
     * <a href="AsyncLock.html#general">General rules</a>.
     *
     * @param body the code to run while holding a permit
     * @param <T> the type of the result
     * @return what {@code body} returned
     * @throws NullPointerException if {@code body} is null
     * @throws java.util.concurrent.CancellationException if interrupted while waiting
     * @throws IllegalStateException if called on a loop's own thread
     */
    <T extends @Nullable Object> T withPermit(Callable<? extends T> body);

    /**
     * Runs a {@code body} that returns nothing while holding a permit: {@link #withPermit(Callable)}
     * without a result, and the form to prefer over {@code try (Held h = semaphore.acquire())},
     * which javac's {@code -Xlint:try} reports. A lambda that returns a value picks
     * {@link #withPermit(Callable)}.
     *
     * @param body the code to run while holding a permit
     * @throws NullPointerException if {@code body} is null
     * @throws java.util.concurrent.CancellationException if interrupted while waiting
     * @throws IllegalStateException if called on a loop's own thread
     */
    default void withPermit(ThrowingRunnable body) {
        java.util.Objects.requireNonNull(body, "body");
        withPermit(() -> {
            body.run();
            return null;
        });
    }

    /**
     * Returns a task that takes a permit, calls {@code body} on the loop's thread, waits for the
     * stage it returns, releases the permit, and completes as the stage did (asyncio's
     * {@code async with sem:} around an {@code await}). No thread is held while waiting.
     *
     * <p><b>Cancellation:</b> as {@link AsyncLock#withLockAsync}: cancelled while waiting for a
     * permit, {@code body} is never called; cancelled while the stage runs, the stage is
     * cancelled and the permit released after it has completed.
     *
     * <p><b>Exceptions:</b> what {@code body} throws (a checked exception too, by the rule of
     * <a href="../Task.html#exceptions">Task</a>) or its stage fails with, as in
     * {@link dev.aio4j.Loop#createTaskAsync}; the permit is released first.
     *
     * @param body called with a permit held; returns the stage to wait for (not null)
     * @param <T> the type of the result
     * @return a task of the stage's result
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is
     *     closed
     */
    <T extends @Nullable Object> Task<T> withPermitAsync(Callable<? extends CompletionStage<? extends T>> body);

    /**
     * {@return the number of permits free now}; a snapshot, zero while tasks wait. asyncio has no
     * public equivalent (its {@code _value} is private). Throws nothing.
     */
    int availablePermits();

    /**
     * {@return whether an acquire would wait now (asyncio's {@code locked()})}: no permit is free,
     * or tasks are waiting; a snapshot. Throws nothing.
     */
    boolean isLocked();

    /** {@return whether this is a bounded semaphore (asyncio's {@code isinstance(sem, BoundedSemaphore)})} Throws nothing. */
    boolean isBounded();
}
