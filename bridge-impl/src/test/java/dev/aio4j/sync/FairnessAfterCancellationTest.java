package dev.aio4j.sync;

import static dev.aio4j.sync.CancelRaceSupport.awaitLine;
import static dev.aio4j.sync.CancelRaceSupport.outcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * First come, first served after waiters of both styles were cancelled in every way that lands
 * inside a wait (a waitFor deadline, the view's cancel(true), an Async.timeout interrupt of a
 * blocking waiter, Task.cancel of a blocking one): the cancelled waiters keep no place, the others
 * are served in arrival order, and nothing is left counted as waiting.
 */
@Timeout(60)
class FairnessAfterCancellationTest {

    private static LoopOptions options(Threading threading) {
        return LoopOptions.defaults().withThreading(threading);
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void semaphoreWaitersCancelledEveryWayKeepNoPlace(Threading threading) {
        Async.run(options(threading), loop -> {
            AsyncSemaphore sem = AsyncSemaphore.create(0);
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            Task<Void> a = loop.createTask(() -> {
                sem.acquire();
                order.add("A");
            });
            awaitLine(sem, "waiters", 1);
            Task<Void> b = Async.waitFor(sem.acquireAsync(), Duration.ofMillis(1));
            assertEquals("timeout", outcome(b));
            Task<Void> c = sem.acquireAsync();
            awaitLine(sem, "waiters", 2);
            Task<String> d = loop.createTask(() -> {
                try {
                    Async.timeout(Duration.ofMillis(1), () -> {
                        sem.acquire();
                        order.add("D");
                        return null;
                    });
                    return "acquired";
                } catch (dev.aio4j.AsyncTimeoutException e) {
                    return "timeout";
                }
            });
            assertEquals("ok:timeout", outcome(d));
            Task<Void> e = sem.acquireAsync().thenRun(() -> order.add("E"));
            awaitLine(sem, "waiters", 3);
            Task<Void> f = loop.createTask(() -> {
                sem.acquire();
                order.add("F");
            });
            awaitLine(sem, "waiters", 4);
            Task<Void> g = loop.createTask(() -> {
                sem.acquire();
                order.add("G");
            });
            awaitLine(sem, "waiters", 5);
            Task<Void> h = sem.acquireAsync().thenRun(() -> order.add("H"));
            awaitLine(sem, "waiters", 6);
            assertTrue(c.toCompletableFuture().cancel(true));
            assertTrue(g.cancel());
            assertEquals("cancelled", outcome(g));
            assertEquals("cancelled", outcome(c));
            for (String expected : List.of("A", "E", "F", "H")) {
                int before = order.size();
                sem.release();
                CancelRaceSupport.until(() -> order.size() > before);
                Async.sleep(Duration.ofMillis(2)); // nobody else is served by that release
                assertEquals(before + 1, order.size(), order.toString());
                assertEquals(expected, order.get(before), "served out of order: " + order);
            }
            for (Task<?> t : List.of(a, e, f, h)) {
                assertEquals("ok:null", outcome(t));
            }
            assertEquals(0, sem.availablePermits());
            assertTrue(sem.toString().contains("waiters=0"), sem.toString());
            sem.release();
            assertTrue(sem.tryAcquire(), "a release with nobody waiting stays");
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void queueGettersCancelledEveryWayKeepNoPlace(Threading threading) {
        Async.run(options(threading), loop -> {
            AsyncQueue<String> q = AsyncQueue.create();
            List<String> got = Collections.synchronizedList(new ArrayList<>());
            Task<Void> a = loop.createTask(() -> {
                got.add("A:" + q.get());
            });
            awaitLine(q, "getters", 1);
            Task<String> b = Async.waitFor(q.getAsync(), Duration.ofMillis(1));
            assertEquals("timeout", outcome(b));
            Task<String> c = q.getAsync();
            awaitLine(q, "getters", 2);
            Task<String> d = loop.createTask(() -> {
                try {
                    return Async.timeout(Duration.ofMillis(1), () -> {
                        got.add("D:" + q.get());
                        return "got";
                    });
                } catch (dev.aio4j.AsyncTimeoutException e) {
                    return "timeout";
                }
            });
            assertEquals("ok:timeout", outcome(d));
            Task<Void> e = q.getAsync().thenAccept(x -> got.add("E:" + x));
            awaitLine(q, "getters", 3);
            Task<Void> g = loop.createTask(() -> {
                got.add("G:" + q.get());
            });
            awaitLine(q, "getters", 4);
            Task<Void> h = q.getAsync().thenAccept(x -> got.add("H:" + x));
            awaitLine(q, "getters", 5);
            assertTrue(c.toCompletableFuture().cancel(true));
            assertTrue(g.cancel());
            assertEquals("cancelled", outcome(g));
            assertEquals("cancelled", outcome(c));
            q.putNow("1");
            q.putNow("2");
            q.putNow("3");
            q.putNow("4");
            for (Task<?> t : List.of(a, e, h)) {
                assertEquals("ok:null", outcome(t));
            }
            List<String> served = new ArrayList<>(got);
            Collections.sort(served); // who got which item: the order of the recordings is the threads'
            assertEquals(List.of("A:1", "E:2", "H:3"), served);
            assertEquals("4", q.getNow(), "the fourth item stays");
            assertTrue(q.toString().contains("getters=0"), q.toString());
            return null;
        });
    }
}
