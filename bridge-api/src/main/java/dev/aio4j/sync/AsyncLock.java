package dev.aio4j.sync;

import dev.aio4j.Task;
import dev.aio4j.ThrowingRunnable;
import dev.aio4j.spi.AsyncProvider;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A mutual-exclusion lock for tasks: asyncio's {@code Lock}.
 * It is not reentrant and has no owner: any task may release it, as in asyncio.
 *
 * <pre>{@code
 * AsyncLock lock = AsyncLock.create();
 * // blocking style
 * lock.withLock(() -> { update(shared); });       // a body that returns nothing
 * int n = lock.withLock(() -> count(shared));      // or a value
 * try (Held held = lock.lock()) { update(shared); } // -Xlint:try warns: held is never named
 * // non-blocking style
 * Task<Integer> t = lock.withLockAsync(() -> updateAsync(shared));
 * }</pre>
 *
 * <h2 id="general">General rules</h2>
 * These rules hold for every type of {@code dev.aio4j.sync}; the methods link here.
 * <ul>
 * <li><b>Two styles.</b> A method with a plain name ({@link #lock()}, {@link #withLock}) parks the
 *     calling thread until it is done: call it from a blocking-style body
 *     ({@code loop.createTask(() -> ...)}, {@code Async.toThread}, or any thread that is not a
 *     loop's). A method whose name ends in {@code Async} never waits: it returns a {@link Task} of
 *     the current loop that completes when the operation is done; a wait of that kind holds no
 *     thread.
 * <li><b>Blocking methods</b> refuse to run on a loop's own thread: there they would stall every
 *     other task of the loop, so they throw {@link IllegalStateException} (never a
 *     {@link java.util.concurrent.CancellationException}) with a sentence saying what to do
 *     instead. An interrupt of the calling thread, pending on entry or arriving while it waits (a
 *     blocking-style task's thread is interrupted when the task is cancelled), makes them throw
 *     {@link java.util.concurrent.CancellationException} with the operation undone: nothing
 *     acquired, taken or put. If the operation completed at the very moment the interrupt came,
 *     it returns normally instead, with the thread's interrupt flag set again so that the next
 *     blocking call throws; the JDK's {@code Condition.await} makes the same choice. The
 *     {@link Task#cancel()} of a blocking-style task that waits in one of these methods withdraws
 *     its waiter before it returns (asyncio's {@code Task.cancel()} cancels the future the task
 *     waits on): a lock, permit, item or wake-up released or put after {@code cancel()} returned
 *     goes to the next waiter or stays, never to the cancelled task. A lock, permit or item the
 *     task was handed but its thread had not taken yet goes back (released, or back at the head
 *     of the queue) and the method throws the cancellation, as asyncio's {@code acquire()} or
 *     {@code get()}, woken but not yet resumed, leaves the lock free and the item in the queue:
 *     the task ends {@code CANCELLED} whatever its body would have done with it. What the thread
 *     has taken is the body's: a cancellation that comes after that, while the body goes on
 *     (even if it only returns the item), ends the task {@code CANCELLED} and drops its result,
 *     as a Kotlin coroutine's would.
 * <li><b>{@code ...Async} methods</b> throw {@link IllegalStateException} when the calling thread
 *     belongs to no loop, or with the message {@code "loop is closed"} when its loop is closed.
 *     Their task is independent of the calling task, as one made with {@code createTask}; a task
 *     that awaits it and is cancelled cancels it too (the chain rule of
 *     <a href="../Task.html#cancellation">Task</a>). Cancelling the task while it waits withdraws
 *     the operation, as asyncio's cancelled {@code acquire()}, {@code wait()}, {@code get()} and
 *     {@code put()} do: a cancelled task holds nothing, and no permit, item or wake-up is lost. A
 *     task that was served (handed the lock, a permit, an item) but has not completed yet (it
 *     completes in a later step) is still cancelled by a request that comes then, directly or
 *     from a task that follows it: what it was handed goes back at once, as asyncio's acquire or
 *     get, woken but not yet resumed, leaves the lock free and the item in the queue. Only a
 *     served operation whose effect cannot be taken back (a put let in, a queue's join, an
 *     event's wake-up) refuses: its {@code cancel()} returns {@code false}, it succeeds, and a
 *     task that follows it ends with its result, not cancelled. What took effect at once is the
 *     caller's in the same way.
 *     An operation that can take effect at once does so before the method returns, and its task
 *     is already done (for a {@code Void} result it may be one task shared by such calls). A
 *     waiting task that is served (handed the lock, a permit, an item) completes in a step of its
 *     loop, as asyncio wakes a waiter with {@code call_soon}: never on the stack of the call that
 *     served it, and never on another thread, so what a non-blocking caller chained to it runs on
 *     the loop's thread.
 * <li><b>Methods that never wait</b> ({@code try...}, {@code ...Now}, {@code release},
 *     {@code set}, {@code clear}, {@code signal...}, {@code taskDone}, {@code shutdown}, the
 *     queries, and the factories such as {@code create}) take effect at once, on any thread, loop thread included; there is nothing to
 *     cancel in them.
 * <li><b>Fairness.</b> Waiters are served first come, first served, in the order they called,
 *     whatever their style. A {@code try...} method succeeds only when no one is waiting.
 * <li><b>Threading.</b> Every method is safe to call from any thread, and one primitive may serve
 *     tasks of several loops. Memory consistency effects: actions before a release (of a lock or
 *     permit), a {@code set}, a {@code signal} or a {@code put} happen-before the actions after
 *     the acquire, wake-up or {@code get} that it lets through.
 * <li><b>Exceptions.</b> A checked exception thrown by a body of {@code withLock}/{@code
 *     withPermit} arrives wrapped once in {@link dev.aio4j.TaskFailedException}, unchecked ones as
 *     themselves, by the rule of <a href="../Task.html#exceptions">Task</a>.
 * </ul>
 */
public interface AsyncLock {

    /**
     * Creates an unlocked lock (asyncio's {@code Lock()}).
     *
     * @return a new lock
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static AsyncLock create() {
        return AsyncProvider.get().newLock();
    }

    /**
     * Waits until the lock is free and takes it, parking the calling thread (asyncio's
     * {@code await lock.acquire()}, for blocking-style bodies); returns a handle whose
     * {@link Held#close()} releases it, for try-with-resources. Prefer {@link #withLock(ThrowingRunnable)}
     * where the body does not need the handle: {@code try (Held h = lock.lock())} with {@code h}
     * unused is reported by javac's {@code -Xlint:try}. An uncontended call makes no
     * task.
     *
     * <p><b>Cancellation:</b> an interrupt throws {@link java.util.concurrent.CancellationException}
     * with the lock not taken; see <a href="#general">General rules</a>.
     *
     * <p><b>Threading:</b> the actions of the previous holder before its release happen-before
     * this method returns.
     *
     * @return the handle that releases the lock
     * @throws java.util.concurrent.CancellationException if interrupted
     * @throws IllegalStateException if called on a loop's own thread
     */
    Held lock();

    /**
     * Returns a task that completes (with {@code null}) once the lock has been taken for the
     * caller (asyncio's {@code acquire()}); {@link #release()} it when done, or use
     * {@link #withLockAsync}. The lock is taken in the order of the calls: a free lock is taken
     * before this method returns, and the task is then already done.
     *
     * <p><b>Cancellation:</b> cancelling the task while it waits withdraws it from the queue of
     * waiters; a cancelled task never holds the lock: one handed the lock but not yet completed
     * (it completes in a later step of the loop) gives it back at once and ends cancelled, as
     * asyncio's acquire woken but not yet resumed does.
     *
     * <p><b>Releasing in a chain:</b> once the task has completed the lock is the caller's. The
     * stages derived from the task are tasks (see {@link Task}): in {@code
     * acquireAsync().thenCompose(v -> { ...; lock.release(); ... })} a cancellation that arrives
     * once the task has completed still runs the function, whose stage then gets the request, so
     * the release is not skipped; one that arrives before (the lock handed over, the task not yet
     * completed) gives the lock back, and the function does not run. A function that throws before its release leaks the lock, as an asyncio
     * coroutine without {@code try/finally} would: prefer {@link #withLockAsync}, which releases
     * however its body ends, or release in a {@code whenComplete}.
     *
     * <p><b>Exceptions:</b> the task fails only by cancellation.
     *
     * <p><b>Threading:</b> the actions of the previous holder before its release happen-before
     * the task completes.
     *
     * @return a task that completes when the lock is taken
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is
     *     closed
     */
    Task<@Nullable Void> acquireAsync();

    /**
     * Takes the lock if it is free and no one waits for it, without waiting (JDK
     * {@code Lock.tryLock()}; asyncio has no such method: {@code if not lock.locked()} followed by
     * an {@code acquire()} that does not yield is its idiom). Throws nothing.
     *
     * @return whether the lock was taken
     */
    boolean tryLock();

    /**
     * Releases the lock (asyncio's {@code release()}); the first waiter, if any, gets it next.
     * Any thread may release it: the lock has no owner.
     *
     * <p><b>Threading:</b> actions before this call happen-before the next holder's acquire
     * returns or completes.
     *
     * @throws IllegalStateException if the lock is not locked (asyncio raises
     *     {@code RuntimeError})
     */
    void release();

    /**
     * Runs {@code body} with the lock held, parking the calling thread until the lock is free
     * (asyncio's {@code async with lock:}, for blocking-style bodies). The lock is released when
     * {@code body} returns or throws.
     *
     * <p><b>Cancellation:</b> an interrupt while waiting for the lock throws
     * {@link java.util.concurrent.CancellationException} and {@code body} does not run; an
     * interrupt while {@code body} runs is {@code body}'s to handle (aio4j's blocking calls in it
     * throw {@code CancellationException}, an {@link InterruptedException} from it becomes one),
     * and the lock is released in any case.
     *
     * <p><b>Exceptions:</b> what {@code body} throws, by the rule in
     * <a href="#general">General rules</a>.
     *
     * @param body the code to run while holding the lock
     * @param <T> the type of the result
     * @return what {@code body} returned
     * @throws NullPointerException if {@code body} is null
     * @throws java.util.concurrent.CancellationException if interrupted while waiting
     * @throws IllegalStateException if called on a loop's own thread
     */
    <T extends @Nullable Object> T withLock(Callable<? extends T> body);

    /**
     * Runs a {@code body} that returns nothing with the lock held: {@link #withLock(Callable)}
     * without a result, and the form to prefer over {@code try (Held h = lock.lock())}, which
     * javac's {@code -Xlint:try} reports (the resource is never named in the body) and fails a
     * build with {@code -Werror}. A lambda that returns a value picks {@link #withLock(Callable)}.
     *
     * @param body the code to run while holding the lock
     * @throws NullPointerException if {@code body} is null
     * @throws java.util.concurrent.CancellationException if interrupted while waiting
     * @throws IllegalStateException if called on a loop's own thread
     */
    default void withLock(ThrowingRunnable body) {
        java.util.Objects.requireNonNull(body, "body");
        withLock(() -> {
            body.run();
            return null;
        });
    }

    /**
     * Returns a task that takes the lock, calls {@code body} on the loop's thread, waits for the
     * stage it returns, releases the lock, and completes as the stage did (asyncio's
     * {@code async with lock:} around an {@code await}). No thread is held while waiting.
     *
     * <p><b>Cancellation:</b> cancelling the task while it waits for the lock withdraws it and
     * {@code body} is never called. Cancelling it while the stage runs cancels the stage, as the
     * task of {@code createTaskAsync} does (a {@link Task} returned by {@code body} is cancelled
     * and waited for); the lock is released after the stage has completed.
     *
     * <p><b>Exceptions:</b> what {@code body} throws (a checked exception too, by the rule of
     * <a href="../Task.html#exceptions">Task</a>) or its stage fails with, as in
     * {@link dev.aio4j.Loop#createTaskAsync}; the lock is released first.
     *
     * @param body called with the lock held; returns the stage to wait for (not null)
     * @param <T> the type of the result
     * @return a task of the stage's result
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is
     *     closed
     */
    <T extends @Nullable Object> Task<T> withLockAsync(Callable<? extends CompletionStage<? extends T>> body);

    /**
     * {@return whether the lock is held now (asyncio's {@code locked()})}; a snapshot. Throws
     * nothing.
     */
    boolean isLocked();
}
