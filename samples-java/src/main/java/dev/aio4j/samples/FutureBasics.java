package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.samples.support.Pace;
import dev.aio4j.samples.support.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Sample 8: futures (aio4j's {@link Promise}, asyncio's {@code loop.create_future()}). A future
 * that never gets a result, awaited with a timeout; a task that sets another future's result
 * after 2 units while the main task awaits it; done callbacks added with
 * {@link Task#addDoneCallback}.
 *
 * <p>Shows: the future's state goes {@code PENDING → SUCCESS}; the awaiter gets the result
 * after ≈ 2 units; each callback gets the done future with its result, on the loop's thread, in
 * the order the callbacks were added, and never inside {@code addDoneCallback} itself. Awaiting
 * with a timeout leaves the future pending; {@link Async#waitFor} cancels it.
 */
public final class FutureBasics {
    private FutureBasics() {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Futures: a timeout, a result set by another task, done callbacks " + Pace.scaleNote());
        Thread loopThread = Thread.currentThread(); // Async.run runs the loop on the calling thread
        Async.run(loop -> {
            // 1. A future nobody completes, awaited with a timeout.
            Promise<String> never = loop.createPromise();
            Duration timeout = Pace.units(0.5);
            AsyncTimeoutException timedOut = null;
            try {
                never.join(timeout);
            } catch (AsyncTimeoutException e) {
                timedOut = e;
            }
            System.out.printf("  join(%d ms) on a future with no result: %s; the future stays %s%n",
                    timeout.toMillis(), timedOut == null ? "returned?!" : "AsyncTimeoutException", never.state());
            check(timedOut != null, "awaiting a future with no result times out");
            checkEquals(TaskState.PENDING, never.state(), "Task.join(timeout) does not cancel the future");
            AsyncTimeoutException waitForTimedOut = null;
            try {
                Async.waitFor(never, timeout).join();
            } catch (AsyncTimeoutException e) {
                waitForTimedOut = e;
            }
            System.out.printf("  Async.waitFor(future, %d ms): %s; the future is now %s%n",
                    timeout.toMillis(), waitForTimedOut == null ? "returned?!" : "AsyncTimeoutException", never.state());
            check(waitForTimedOut != null, "waitFor on a future with no result times out");
            checkEquals(TaskState.CANCELLED, never.state(), "Async.waitFor cancels the future on timeout (asyncio's wait_for)");

            // 2. Another task sets the future's result after 2 units; callbacks watch it.
            Promise<String> future = loop.createPromise();
            List<String> callbacks = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch callbacksRan = new CountDownLatch(4);
            for (int i = 1; i <= 3; i++) {
                int n = i;
                future.addDoneCallback(done -> {
                    callbacks.add("callback " + n + " got " + done.resultNow() + (Thread.currentThread() == loopThread ? " on the loop's thread" : " on " + Thread.currentThread()));
                    callbacksRan.countDown();
                });
            }
            TaskState before = future.state();
            Task<@Nullable Void> setter = loop.createTask(() -> {
                Async.sleep(Pace.units(2));
                future.complete("42");
                return null;
            });
            Task<Integer> nonBlockingReader = loop.createTaskAsync(() -> future.thenApply(Integer::parseInt));
            Timing.Timed<String> awaited = Timing.measure(future::join);
            TaskState after = future.state();
            System.out.printf("  state before: %s; await() returned %s after %d ms; state after: %s; a non-blocking reader got %d%n",
                    before, awaited.value(), awaited.millis(), after, nonBlockingReader.join());

            // 3. A callback added to a future that is already done is still scheduled, not run inside addDoneCallback.
            // (This body runs on a virtual thread while the loop runs on its own: the callback may run
            // on the loop's thread before the next line here, but never on this thread inside the call.)
            Thread caller = Thread.currentThread();
            AtomicBoolean insideTheCall = new AtomicBoolean(true);
            AtomicBoolean ranInsideTheCall = new AtomicBoolean();
            future.addDoneCallback(done -> {
                ranInsideTheCall.set(insideTheCall.get() && Thread.currentThread() == caller);
                callbacks.add("late callback got " + done.resultNow());
                callbacksRan.countDown();
            });
            insideTheCall.set(false);
            check(callbacksRan.await(5, TimeUnit.SECONDS), "all 4 callbacks run within 5 s; ran: " + callbacks);
            setter.join();
            for (String line : callbacks) {
                System.out.println("  " + line);
            }

            checkEquals(TaskState.PENDING, before, "a new future is PENDING");
            checkEquals(TaskState.SUCCESS, after, "a future with a result is SUCCESS");
            checkEquals("42", awaited.value(), "the awaiter gets the result");
            checkEquals(42, nonBlockingReader.resultNow(), "a non-blocking task gets the result");
            checkTiming(awaited.millis() >= Pace.units(2).toMillis() * 9 / 10 && awaited.millis() < Pace.units(3).toMillis(),
                    "the result comes after ~ 2 units (" + Pace.units(2).toMillis() + " ms): " + awaited.millis() + " ms");
            check(!ranInsideTheCall.get(), "addDoneCallback on a done future does not run the callback inside the call");
            checkEquals(List.of("callback 1 got 42 on the loop's thread", "callback 2 got 42 on the loop's thread",
                            "callback 3 got 42 on the loop's thread", "late callback got 42"),
                    List.copyOf(callbacks), "callbacks get the result, on the loop's thread, in registration order");
            return null;
        });
    }

    /**
     * Runs the sample on its own.
     *
     * @param args ignored
     * @throws Exception if a claim does not hold or the sample cannot run
     */
    public static void main(String[] args) throws Exception {
        run();
    }
}
