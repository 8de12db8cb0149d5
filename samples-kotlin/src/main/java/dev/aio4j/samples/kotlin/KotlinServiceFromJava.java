package dev.aio4j.samples.kotlin;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;

import dev.aio4j.Async;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.kotlin.Flows;
import dev.aio4j.kotlin.Suspend;
import dev.aio4j.stream.AsyncIterator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * Sample 16: a Kotlin service ({@link UserService}: suspend functions and a {@code Flow}) used from
 * Java with aio4j, with no wrapper written on the Kotlin side.
 *
 * <p>Shows: three lookups as tasks gathered concurrently take ≈ one round trip and come back in
 * argument order; a lookup that does not suspend is done when {@code Suspend.call} returns; a
 * blocking-style body waits with {@code Suspend.join}; a Kotlin failure arrives as the same
 * instance; the Flow is iterated with {@code forEach} and, element by element, with an early exit
 * that ends the Flow; and cancelling from Java (a task's {@code cancel()}, an interrupted waiter)
 * reaches the Kotlin code: its {@code finally} blocks run before the task is {@code CANCELLED}.
 */
public final class KotlinServiceFromJava {
    private KotlinServiceFromJava() {}

    private static final long LATENCY_MS = 200;

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     */
    public static void run() {
        UserService service = new UserService(LATENCY_MS);
        Async.run(loop -> {
            // Tasks and gather: three suspend calls at once (after one call that loads the classes).
            Suspend.call(c -> service.findUser(0, c)).join();
            long start = System.nanoTime();
            Task<User> a = Suspend.call(c -> service.findUser(1, c));
            Task<User> b = Suspend.call(c -> service.findUser(2, c));
            Task<User> c3 = Suspend.call(c -> service.findUser(3, c));
            List<User> users = Async.gather(a, b, c3).join();
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("gathered %s in %d ms (one round trip is %d ms)%n", users, ms, LATENCY_MS);
            checkEquals(List.of(new User(1, "user-1"), new User(2, "user-2"), new User(3, "user-3")), users, "results in argument order");
            check(ms < 2.5 * LATENCY_MS, "three concurrent lookups take about one round trip, not three: " + ms + " ms");

            // A suspend function that returns at once: the task is born done.
            Task<User> cached = Suspend.call(c -> service.cachedUser(7, c));
            System.out.println("cached lookup: " + cached.state() + " as soon as Suspend.call returned");
            checkEquals(TaskState.SUCCESS, cached.state(), "a call that does not suspend is done at once");

            // Blocking style: this body runs on its own thread and may wait.
            User joined = Suspend.<User>join(c -> service.findUser(4, c));
            checkEquals(new User(4, "user-4"), joined, "Suspend.join returns the value");

            // A Kotlin failure reaches Java as the exception Kotlin threw.
            Task<User> broken = Suspend.call(c -> service.brokenLookup(5, c));
            try {
                broken.join();
                check(false, "the broken lookup failed");
            } catch (IllegalStateException e) {
                System.out.println("Kotlin failure seen in Java: " + e.getMessage());
                check(e == broken.exceptionNow(), "the same instance as the task's");
            }

            // The Flow, iterated from Java: all of it, then element by element with an early exit.
            List<Integer> ids = new ArrayList<>();
            Flows.asAsyncIterable(service.ids(5)).forEach(ids::add).join();
            checkEquals(List.of(1, 2, 3, 4, 5), ids, "forEach sees every element in order");
            AsyncIterator<Integer> endless = Flows.asAsyncIterable(service.ids(0)).asyncIterator();
            List<Integer> firstThree = new ArrayList<>();
            try {
                while (firstThree.size() < 3 && loop.adopt(endless.hasNext()).join()) {
                    firstThree.add(endless.next());
                }
            } finally { // an early exit closes the iterator whatever happens, as async for's break does
                loop.adopt(endless.closeAsync()).join();
            }
            System.out.println("first three of an endless flow: " + firstThree);
            checkEquals(List.of(1, 2, 3), firstThree, "early exit after three");
            checkEquals(2, service.getFlowsClosed().get(), "both flows ended; the endless one when Java closed its iterator");

            // Cancellation from Java reaches the Kotlin code.
            Task<String> report = Suspend.call(c -> service.slowReport(c));
            awaitReportsStarted(service, 1);
            report.cancel();
            try {
                report.join();
                check(false, "the cancelled report did not return");
            } catch (CancellationException expected) {
                // as asyncio's CancelledError
            }
            System.out.println("report task after cancel(): " + report.state() + ", Kotlin finally blocks run: " + service.getCleanups().get());
            checkEquals(TaskState.CANCELLED, report.state(), "the task is CANCELLED");
            checkEquals(1, service.getCleanups().get(), "the Kotlin finally ran when Java cancelled");

            Task<String> waiter = loop.createTask(() -> Suspend.<String>join(c -> service.slowReport(c)));
            awaitReportsStarted(service, 2);
            waiter.cancel(); // interrupts the waiting thread, which cancels the Kotlin call and waits for it
            try {
                waiter.join();
            } catch (CancellationException expected) {
                // as asyncio's CancelledError
            }
            checkEquals(2, service.getCleanups().get(), "an interrupted Suspend.join cancels the Kotlin call; its finally ran");
            return null;
        });
    }

    /**
     * Waits until {@code n} reports have started. A task cancelled before its body has started never
     * runs it (asyncio's rule too): a fixed sleep before the cancel would not prove that the Kotlin
     * finally runs, only that the task was quick to start.
     */
    private static void awaitReportsStarted(UserService service, int n) {
        while (service.getReportsStarted().get() < n) {
            Async.sleep(Duration.ofMillis(1));
        }
    }
}
