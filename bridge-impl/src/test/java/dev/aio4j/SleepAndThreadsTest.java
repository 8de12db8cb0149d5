package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** asyncio.sleep in both styles; to_thread and run_in_executor. */
@Timeout(30)
class SleepAndThreadsTest {

    @Test
    void sleepParksForAtLeastTheDelay() {
        Async.run(loop -> {
            long start = System.nanoTime();
            Async.sleep(Duration.ofMillis(30));
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(30).toNanos());
            Async.sleep(Duration.ZERO);
            return null;
        });
    }

    @Test
    void sleepIsEndedByCancellation() {
        Async.run(loop -> {
            CountDownLatch asleep = new CountDownLatch(1);
            Task<String> t = loop.createTask(() -> {
                asleep.countDown();
                Async.sleep(Duration.ofDays(365_000)); // a saturated deadline, not an overflow
                return "never";
            });
            asleep.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            return null;
        });
    }

    @Test
    void sleepAsyncCompletesOnTheLoopsTimers() {
        Async.runAsync(loop -> {
            Duration before = loop.time();
            return Async.sleepAsync(Duration.ofMillis(30)).thenApply(v -> {
                assertTrue(loop.time().minus(before).compareTo(Duration.ofMillis(30)) >= 0);
                return v;
            });
        });
    }

    @Test
    void sleepAsyncZeroYieldsToWhatIsReady() {
        List<String> order = Async.runAsync(loop -> {
            List<String> seen = new ArrayList<>();
            loop.callSoon(() -> seen.add("callSoon"));
            Task<Void> yield = Async.sleepAsync(Duration.ZERO); // completes after what was scheduled before it
            return yield.thenApply(v -> {
                seen.add("after the yield");
                return seen;
            });
        });
        assertEquals(List.of("callSoon", "after the yield"), order);
    }

    @Test
    void cancellingASleepCompletesItAtOnce() {
        Async.run(loop -> {
            Task<Void> s = Async.sleepAsync(Duration.ofMinutes(1));
            assertTrue(s.cancel());
            assertTrue(s.isCancelled());
            return null;
        });
    }

    @Test
    void sleepIsRefusedOnTheLoopThreadAndBadInputFailsEarly() {
        Async.runAsync(loop -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Async.sleep(Duration.ofMillis(1)));
            assertFalse(e instanceof CancellationException);
            assertTrue(e.getMessage().contains("sleepAsync"), e.getMessage());
            return CompletableFuture.completedFuture(null);
        });
        Expect.assertNpeNames("delay", () -> Async.sleep(null));
        assertThrows(IllegalArgumentException.class, () -> Async.sleep(Duration.ofMillis(-1)));
        Expect.assertNpeNames("delay", () -> Async.sleepAsync(null));
        assertThrows(IllegalArgumentException.class, () -> Async.sleepAsync(Duration.ofMillis(-1)));
        assertThrows(IllegalStateException.class, () -> Async.sleepAsync(Duration.ZERO), "no loop here");
    }

    @Test
    void toThreadRunsOnAPlatformThreadOfTheLoopAndSeesTheLoop() {
        Async.run(loop -> {
            Task<String> t = Async.toThread(() -> {
                assertSame(loop, Loop.current());
                return Thread.currentThread().getName();
            });
            String name = t.join();
            assertTrue(name.startsWith("aio4j-loop-"), name);
            assertTrue(name.contains("-to-thread-"), name);
            return null;
        });
    }

    @Test
    void cancellingToThreadInterruptsTheThreadAndWaitsForIt() {
        Async.run(loop -> {
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            Task<String> t = Async.toThread(() -> {
                started.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                }
                return "never";
            });
            started.await();
            t.cancel();
            assertThrows(CancellationException.class, t::join);
            assertTrue(interrupted.get());
            assertEquals(TaskState.CANCELLED, t.state());
            return null;
        });
    }

    @Test
    void runInExecutorUsesTheGivenExecutor() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> new Thread(r, "custom-pool"));
        try {
            Async.run(loop -> {
                assertEquals("custom-pool", loop.runInExecutor(pool, () -> Thread.currentThread().getName()).join());
                CountDownLatch started = new CountDownLatch(1);
                Task<String> slow = loop.runInExecutor(pool, () -> {
                    started.countDown();
                    Thread.sleep(60_000);
                    return "never";
                });
                started.await();
                slow.cancel();
                assertThrows(CancellationException.class, slow::join);
                assertFalse(pool.submit(() -> Thread.currentThread().isInterrupted()).get(),
                        "the pooled thread does not carry the interrupt into its next job");
                return null;
            });
            pool.shutdown();
            Async.run(loop -> {
                Task<String> rejected = loop.runInExecutor(pool, () -> "x");
                assertThrows(RejectedExecutionException.class, rejected::join);
                Expect.assertNpeNames("executor", () -> loop.runInExecutor(null, () -> "x"));
                Expect.assertNpeNames("body", () -> loop.runInExecutor(pool, null));
                return null;
            });
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void toThreadOutsideALoopIsRefused() {
        assertThrows(IllegalStateException.class, () -> Async.toThread(() -> "x"));
        Expect.assertNpeNames("body", () -> Async.toThread(null));
    }
}
