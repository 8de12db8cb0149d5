package dev.aio4j;

import static dev.aio4j.BlockingOnLoopThreadTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.LoopOptions.Threading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link LoopOptions}: the record, {@link Threading#DEFAULT_DISPATCHER}, and debug mode. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@ExtendWith(NoStrayInterrupt.class)
class LoopOptionsTest {
    private static final LoopOptions DEFAULT_DISPATCHER = LoopOptions.defaults().withThreading(Threading.DEFAULT_DISPATCHER);

    private final Expect x = new Expect();

    @AfterEach
    void check() {
        x.check();
    }

    // ------------------------------------------------------------------------------ record

    @Test
    void defaults() {
        LoopOptions d = LoopOptions.defaults();
        assertEquals(Threading.SINGLE_THREAD, d.threading());
        assertFalse(d.debug());
        assertEquals(Duration.ofMillis(100), d.slowCallbackThreshold());
        assertEquals(new LoopOptions(Threading.SINGLE_THREAD, false, Duration.ofMillis(100)), d);
    }

    @Test
    void withersChangeOneComponentAndLeaveTheOriginalAlone() {
        LoopOptions d = LoopOptions.defaults();
        LoopOptions t = d.withThreading(Threading.DEFAULT_DISPATCHER);
        LoopOptions g = d.withDebug(true);
        LoopOptions s = d.withSlowCallbackThreshold(Duration.ofSeconds(2));
        assertEquals(new LoopOptions(Threading.DEFAULT_DISPATCHER, false, Duration.ofMillis(100)), t);
        assertEquals(new LoopOptions(Threading.SINGLE_THREAD, true, Duration.ofMillis(100)), g);
        assertEquals(new LoopOptions(Threading.SINGLE_THREAD, false, Duration.ofSeconds(2)), s);
        assertEquals(LoopOptions.defaults(), d);
        assertNotSame(d, d.withDebug(false));
        assertEquals(d, d.withDebug(false));
        assertEquals(d.hashCode(), d.withDebug(false).hashCode());
        assertNotEquals(d, g);
        assertEquals(Duration.ZERO, d.withSlowCallbackThreshold(Duration.ZERO).slowCallbackThreshold());
    }

    @Test
    void badInput() {
        Expect.assertNpeNames("threading", () -> new LoopOptions(null, false, Duration.ZERO));
        Expect.assertNpeNames("slowCallbackThreshold", () -> new LoopOptions(Threading.SINGLE_THREAD, false, null));
        Expect.assertNpeNames("threading", () -> LoopOptions.defaults().withThreading(null));
        NullPointerException npe = assertThrows(NullPointerException.class, () -> LoopOptions.defaults().withSlowCallbackThreshold(null));
        assertTrue(String.valueOf(npe.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("threshold"), npe.getMessage());
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> LoopOptions.defaults().withSlowCallbackThreshold(Duration.ofMillis(-1)));
        assertEquals("threshold must not be negative: PT-0.001S", iae.getMessage()); // the wither names its parameter
        assertThrows(IllegalArgumentException.class, () -> new LoopOptions(Threading.SINGLE_THREAD, true, Duration.ofNanos(-1)));
    }

    // ----------------------------------------------------------------- DEFAULT_DISPATCHER

    @Test
    void aRunOnTheDefaultDispatcherRunsTasksSleepsGathersAndTimers() {
        Thread caller = Thread.currentThread();
        List<String> r = Async.run(DEFAULT_DISPATCHER, loop -> {
            assertEquals(Threading.DEFAULT_DISPATCHER, loop.options().threading());
            Task<String> blocking = loop.createTask(() -> {
                Async.sleep(Duration.ofMillis(2));
                return "blocking";
            });
            Task<String> async = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> "async"));
            Promise<String> timer = loop.createPromise();
            Duration t0 = loop.time();
            loop.callLater(Duration.ofMillis(10), () -> timer.complete("timer at " + (loop.time().compareTo(t0.plusMillis(10)) >= 0)));
            Promise<Thread> callbackThread = loop.createPromise();
            loop.callSoon(() -> callbackThread.complete(Thread.currentThread()));
            assertNotSame(caller, callbackThread.join(), "callbacks run on Dispatchers.Default's workers");
            Task<String> inToThread = Async.toThread(() -> "to_thread");
            return Async.gather(blocking, async, timer, inToThread).join();
        });
        assertEquals(List.of("blocking", "async", "timer at true", "to_thread"), r);
    }

    @Test
    void runAsyncOnTheDefaultDispatcher() {
        String r = Async.runAsync(DEFAULT_DISPATCHER, loop -> {
            Task<?> main = Async.currentTask();
            x.verify(() -> assertEquals("main", main.name()));
            x.verify(() -> assertSame(loop, Loop.current()));
            return Async.sleepAsync(Duration.ofMillis(1))
                    .thenCompose(v -> Async.gather(loop.createTask(() -> "a"), loop.createTaskAsync(() -> CompletableFuture.completedFuture("b"))))
                    .thenApply(List::toString);
        });
        assertEquals("[a, b]", r);
    }

    @Test
    void blockingCallsOnTheDefaultDispatchersWorkersAreRefused() {
        Async.run(DEFAULT_DISPATCHER, loop -> {
            Promise<String> pending = loop.createPromise();
            Promise<Void> done = loop.createPromise();
            loop.callSoon(() -> {
                x.verify(() -> assertSame(loop, Loop.current()));
                x.verify(() -> assertRefused("Task.join()", pending::join));
                x.verify(() -> assertRefused("Async.sleep()", () -> Async.sleep(Duration.ofMillis(1))));
                x.verify(() -> assertRefused("Async.run()", () -> Async.run(l -> "nested")));
                done.complete(null);
            });
            done.join();
            Task<String> body = loop.createTaskAsync(() -> CompletableFuture.completedFuture(pending.join()));
            IllegalStateException e = assertThrows(IllegalStateException.class, body::join);
            assertFalse(e instanceof CancellationException);
            return null;
        });
    }

    @Test
    void manyCallbacksOnTheDefaultDispatcherAllRunOnce() {
        int n = 2_000;
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        Async.run(DEFAULT_DISPATCHER, loop -> {
            CountDownLatch all = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                int k = i;
                loop.callSoon(() -> {
                    if (ran.add(k)) all.countDown();
                    else x.record(new AssertionError("ran twice: " + k));
                });
            }
            Expect.await(all);
            return null;
        });
        assertEquals(n, ran.size());
    }

    @Test
    void closeOnTheDefaultDispatcherCancelsPendingTasks() {
        AtomicBoolean finallyRan = new AtomicBoolean();
        AtomicReference<Task<?>> pending = new AtomicReference<>();
        CompletableFuture<String> stage = new CompletableFuture<>();
        Async.run(DEFAULT_DISPATCHER, loop -> {
            CountDownLatch started = new CountDownLatch(1);
            pending.set(loop.createTask(() -> {
                try {
                    started.countDown();
                    Async.sleep(Duration.ofMinutes(1));
                    return "not cancelled";
                } finally {
                    finallyRan.set(true);
                }
            }));
            CountDownLatch bodyCalled = new CountDownLatch(1);
            loop.createTaskAsync(() -> {
                bodyCalled.countDown();
                return stage;
            });
            started.await();
            bodyCalled.await(); // on the default dispatcher, nothing orders main and the body
            return null;
        });
        assertTrue(pending.get().isCancelled());
        assertTrue(finallyRan.get());
        assertTrue(stage.isCancelled());
    }

    @Test
    void interruptingTheCallerCancelsMainOnTheDefaultDispatcher() {
        Thread caller = Thread.currentThread();
        assertThrows(CancellationException.class, () -> Async.run(DEFAULT_DISPATCHER, loop -> {
            caller.interrupt();
            Async.sleep(Duration.ofMinutes(1));
            return "not cancelled";
        }));
        assertTrue(Thread.interrupted());
    }

    @Test
    void currentTaskIsPerThreadOnTheDefaultDispatcher() {
        // two non-blocking bodies run at the same time on two workers; each must see itself
        AtomicReference<Task<?>> seenByA = new AtomicReference<>();
        AtomicReference<Task<?>> seenByB = new AtomicReference<>();
        AtomicReference<Task<?>> seenByAAfterB = new AtomicReference<>();
        List<Task<String>> tasks = new ArrayList<>();
        Async.run(DEFAULT_DISPATCHER, loop -> {
            CountDownLatch aIn = new CountDownLatch(1);
            CountDownLatch bIn = new CountDownLatch(1);
            CountDownLatch aChecked = new CountDownLatch(1);
            CountDownLatch bDone = new CountDownLatch(1);
            Task<String> a = loop.createTaskAsync(() -> {
                aIn.countDown();
                Expect.await(bIn); // b's body runs on the other worker now
                seenByA.set(Async.currentTask());
                aChecked.countDown();
                Expect.await(bDone);
                seenByAAfterB.set(Async.currentTask());
                return CompletableFuture.completedFuture("a");
            });
            Task<String> b = loop.createTaskAsync(() -> {
                try {
                    Expect.await(aIn);
                    bIn.countDown();
                    Expect.await(aChecked);
                    seenByB.set(Async.currentTask());
                    return CompletableFuture.completedFuture("b");
                } finally {
                    bDone.countDown();
                }
            });
            tasks.add(a);
            tasks.add(b);
            return Async.gather(a, b).join();
        });
        assertSame(tasks.get(0), seenByA.get(), "a saw another task as current");
        assertSame(tasks.get(1), seenByB.get(), "b saw another task as current");
        assertSame(tasks.get(0), seenByAAfterB.get(), "a's current task changed when b's body ended");
    }

    // -------------------------------------------------------------------------- debug mode

    /** Collects what aio4j logs through System.Logger (backed by java.util.logging here). */
    private static final class LogCapture extends Handler implements AutoCloseable {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();
        private final Logger logger = Logger.getLogger("dev.aio4j");

        LogCapture() {
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
        }

        List<String> slowCallbackWarnings() {
            List<String> found = new ArrayList<>();
            for (LogRecord r : records) {
                if (r.getLevel() == Level.WARNING && r.getMessage().startsWith("Executing ") && r.getMessage().contains(" took ")) {
                    found.add(r.getMessage());
                }
            }
            return found;
        }
    }

    private static String runWithASlowCallback(LoopOptions options) {
        return Async.run(options, loop -> {
            Promise<String> p = loop.createPromise();
            loop.callSoon(() -> {
                try {
                    Thread.sleep(30); // blocks the loop on purpose: a slow callback
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                p.complete("slow callback done");
            });
            return p.join();
        });
    }

    @ParameterizedTest // DEFAULT_DISPATCHER: its workers' callbacks are timed too (they were not, before 2026-12-05)
    @EnumSource(Threading.class)
    void debugModeLogsSlowCallbacks(Threading threading) {
        try (LogCapture log = new LogCapture()) {
            String r = runWithASlowCallback(LoopOptions.defaults().withThreading(threading).withDebug(true).withSlowCallbackThreshold(Duration.ofMillis(10)));
            assertEquals("slow callback done", r);
            List<String> warnings = log.slowCallbackWarnings();
            assertFalse(warnings.isEmpty(), "no slow-callback warning in " + log.records.size() + " records");
            assertTrue(warnings.get(0).matches("Executing .* took \\d+ ms"), warnings.get(0));
        }
    }

    @Test
    void withoutDebugModeOrUnderTheThresholdNothingIsLogged() {
        try (LogCapture log = new LogCapture()) {
            runWithASlowCallback(LoopOptions.defaults().withSlowCallbackThreshold(Duration.ofMillis(1)));
            runWithASlowCallback(LoopOptions.defaults().withDebug(true).withSlowCallbackThreshold(Duration.ofSeconds(10)));
            assertEquals(List.of(), log.slowCallbackWarnings());
        }
    }

    @Test
    void debugModeRunsTheUsualWorkload() {
        LoopOptions debug = LoopOptions.defaults().withDebug(true).withSlowCallbackThreshold(Duration.ZERO);
        try (LogCapture log = new LogCapture()) {
            List<Object> r = Async.run(debug, loop -> {
                loop.setExceptionHandler(x);
                Task<String> t = loop.createTask(() -> "t");
                Task<Void> s = Async.sleepAsync(Duration.ofMillis(1));
                Task<String> a = loop.createTaskAsync(() -> CompletableFuture.completedFuture("a"));
                Task<String> c = loop.createTask(() -> {
                    Async.sleep(Duration.ofMinutes(1));
                    return "not cancelled";
                });
                c.cancel("debug cancel");
                CancellationException e = assertThrows(CancellationException.class, c::join);
                assertEquals("debug cancel", e.getMessage());
                return Async.gather(t, s, a).join();
            });
            assertEquals(java.util.Arrays.asList("t", null, "a"), r);
            assertFalse(log.slowCallbackWarnings().isEmpty(), "a zero threshold reports every callback");
        }
    }
}
