package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.ExceptionContext;
import dev.aio4j.Handle;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import dev.aio4j.TimerHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** callSoon / callLater / callAt, their handles, and what throwing callbacks do, past LoopCallbacksTest. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CallbackContractTest {

    /** asyncio: a handle cancelled by a callback that runs before it in the same step never runs. */
    @Test
    void aHandleCancelledByAnEarlierCallbackOfTheSameStepDoesNotRun() {
        Loop loop = Async.newLoop();
        try {
            AtomicReference<Handle> second = new AtomicReference<>();
            AtomicInteger ran = new AtomicInteger();
            Promise<Void> done = loop.createPromise();
            loop.callSoon(() -> second.get().cancel());
            second.set(loop.callSoon(ran::incrementAndGet));
            loop.callSoon(() -> done.complete(null));
            loop.runUntilComplete(done);
            assertEquals(0, ran.get());
            assertTrue(second.get().isCancelled());
        } finally {
            loop.close();
        }
    }

    /** Timers due in one step: one cancelled by the one before it does not run. */
    @Test
    void aTimerCancelledByAnEarlierTimerDueAtTheSameTimeDoesNotRun() {
        Loop loop = Async.newLoop();
        try {
            Duration at = loop.time().plusMillis(20);
            AtomicReference<TimerHandle> second = new AtomicReference<>();
            AtomicInteger ran = new AtomicInteger();
            Promise<Void> done = loop.createPromise();
            loop.callAt(at, () -> second.get().cancel());
            second.set(loop.callAt(at, ran::incrementAndGet));
            loop.callAt(at, () -> done.complete(null));
            loop.runUntilComplete(done);
            assertEquals(0, ran.get());
            assertEquals(at, second.get().when());
        } finally {
            loop.close();
        }
    }

    /** when() is what callAt was given, and callLater's is time() + delay, on the loop's clock. */
    @Test
    void whenIsOnTheLoopsClock() {
        Loop loop = Async.newLoop();
        try {
            for (Duration w : List.of(Duration.ZERO, Duration.ofMillis(5), Duration.ofSeconds(-3), Duration.ofDays(365 * 100))) {
                assertEquals(w, loop.callAt(w, () -> {}).when(), "callAt(" + w + ")");
            }
            Duration before = loop.time();
            TimerHandle h = loop.callLater(Duration.ofSeconds(7), () -> {});
            Duration after = loop.time();
            assertTrue(h.when().compareTo(before.plusSeconds(7)) >= 0 && h.when().compareTo(after.plusSeconds(7)) <= 0,
                    before + " .. " + after + " +7s, when " + h.when());
        } finally {
            loop.close();
        }
    }

    /**
     * A callback that throws, under either threading: the handler gets the same exception, a
     * message, no task; the loop goes on with the callbacks after it. Errors too (an
     * AssertionError), and a CancellationException (asyncio: a callback's CancelledError goes to
     * the handler as well).
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void throwingCallbacksAndTimersReachTheHandlerAndTheLoopGoesOn(LoopOptions.Threading threading) {
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        LoopContractSupport.Reports reports = new LoopContractSupport.Reports();
        loop.setExceptionHandler(reports);
        try {
            List<Throwable> thrown = List.of(new IllegalStateException("a"), new AssertionError("b"), new CancellationException("c"),
                    new IllegalArgumentException("d"), new StackOverflowError("e"), new UnsupportedOperationException("f"));
            AtomicInteger after = new AtomicInteger();
            Promise<Void> done = loop.createPromise();
            for (int i = 0; i < 3; i++) {
                Throwable e = thrown.get(i);
                loop.callSoon(() -> sneaky(e));
            }
            for (int i = 3; i < 6; i++) {
                Throwable e = thrown.get(i);
                loop.callLater(Duration.ofMillis(i), () -> sneaky(e));
            }
            loop.callLater(Duration.ofMillis(30), () -> {
                after.incrementAndGet();
                done.complete(null);
            });
            loop.runUntilComplete(done);
            assertEquals(1, after.get());
            LoopContractSupport.until("6 reports", () -> reports.seen.size() >= 6);
            assertEquals(6, reports.seen.size(), String.valueOf(reports.seen));
            for (Throwable e : thrown) {
                ExceptionContext c = reports.seen.stream().filter(x -> x.exception() == e).findFirst().orElse(null);
                assertTrue(c != null, "not reported as the same instance: " + e + " in " + reports.seen);
                assertNull(c.task());
                assertFalse(c.message().isEmpty());
            }
        } finally {
            loop.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void sneaky(Throwable e) throws E {
        throw (E) e;
    }

    /**
     * asyncio: loop.stop() from a callback ends run_forever after the current step; a timer that
     * comes due meanwhile is kept, not lost, and runs in the next run.
     */
    @Test
    void timersAndCallbacksLeftWhenRunForeverStopsRunInTheNextRun() {
        Loop loop = Async.newLoop();
        try {
            List<String> log = new CopyOnWriteArrayList<>();
            loop.callSoon(() -> {
                log.add("first");
                loop.callSoon(() -> log.add("soon-after-stop"));
                loop.stop();
            });
            loop.callLater(Duration.ofMillis(50), () -> log.add("timer"));
            loop.runForever();
            assertEquals(List.of("first"), log);
            LoopContractSupport.sleepMs(80);
            Promise<Void> done = loop.createPromise();
            loop.callLater(Duration.ofMillis(10), () -> done.complete(null));
            loop.runUntilComplete(done);
            assertEquals(List.of("first", "soon-after-stop", "timer"), log);
        } finally {
            loop.close();
        }
    }

    /** Handles of callbacks scheduled from many threads, cancelled from others: none of the cancelled ones runs. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void handlesCancelledFromOtherThreadsBeforeTheRunNeverRun(LoopOptions.Threading threading) throws Exception {
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        try {
            int n = 2_000;
            AtomicInteger cancelledRan = new AtomicInteger();
            AtomicInteger keptRan = new AtomicInteger();
            List<Handle> toCancel = new CopyOnWriteArrayList<>();
            Thread[] producers = new Thread[2];
            for (int t = 0; t < producers.length; t++) {
                producers[t] = new Thread(() -> {
                    for (int i = 0; i < n; i++) {
                        if (i % 2 == 0) toCancel.add(loop.callSoon(cancelledRan::incrementAndGet));
                        else toCancel.add(loop.callLater(Duration.ofMillis(i % 3), cancelledRan::incrementAndGet));
                        loop.callSoon(keptRan::incrementAndGet);
                    }
                });
                producers[t].start();
            }
            for (Thread t : producers) t.join();
            Thread canceller = new Thread(() -> toCancel.forEach(Handle::cancel));
            canceller.start();
            canceller.join();
            Promise<Void> done = loop.createPromise();
            loop.callLater(Duration.ofMillis(20), () -> done.complete(null));
            loop.runUntilComplete(done);
            LoopContractSupport.until("all kept callbacks ran", () -> keptRan.get() == 2 * n);
            assertEquals(0, cancelledRan.get());
        } finally {
            loop.close();
        }
    }

    /**
     * After Async.run returns, none of its callbacks runs any more, even a chain of callbacks
     * and timers that keeps rescheduling itself, under either threading.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void selfReschedulingCallbacksStopWithTheRun(LoopOptions.Threading threading) {
        AtomicInteger soon = new AtomicInteger();
        AtomicInteger later = new AtomicInteger();
        AtomicReference<Loop> theLoop = new AtomicReference<>();
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            theLoop.set(loop);
            Runnable[] again = new Runnable[2];
            again[0] = () -> {
                soon.incrementAndGet();
                loop.callSoon(again[0]);
            };
            again[1] = () -> {
                later.incrementAndGet();
                loop.callLater(Duration.ofNanos(1), again[1]);
            };
            loop.callSoon(again[0]);
            loop.callLater(Duration.ZERO, again[1]);
            Async.sleep(Duration.ofMillis(20));
            return null;
        });
        assertTrue(theLoop.get().isClosed());
        int s = soon.get();
        int l = later.get();
        assertTrue(s > 0 && l > 0, soon + " " + later);
        LoopContractSupport.sleepMs(50);
        assertEquals(s, soon.get(), "callSoon callbacks ran after the run ended");
        assertEquals(l, later.get(), "timers ran after the run ended");
    }

    /** callExceptionHandler from a thread of no loop while the loop runs: the handler runs on the loop's thread, once. */
    @Test
    void callExceptionHandlerFromAToThreadBodyRunsOnTheLoop() {
        LoopContractSupport.Reports reports = new LoopContractSupport.Reports();
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        ExceptionContext ctx = new ExceptionContext("m", new RuntimeException("x"), null);
        Async.run(loop -> {
            loop.setExceptionHandler(reports);
            loop.callSoon(() -> loopThread.set(Thread.currentThread()));
            Async.toThread(() -> {
                loop.callExceptionHandler(ctx);
                return null;
            }).join();
            Async.sleep(Duration.ZERO);
            return null;
        });
        assertEquals(1, reports.seen.size());
        assertSame(ctx, reports.seen.get(0));
        assertSame(loopThread.get(), reports.threads.get(0));
    }
}
