package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.LoopOptions.Threading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Under {@code DEFAULT_DISPATCHER} the loop's callbacks and non-blocking steps run on
 * {@code Dispatchers.Default}'s workers, but only during a run of the loop, as on one thread: what
 * is scheduled while nobody runs the loop waits for the next run, and a run (so a close) ends only
 * once the callbacks it handed out have returned. Each test failed before (2026-12-05): callbacks
 * ran on a worker whether or not the loop ran, and a run or a close returned while one still ran.
 */
class DefaultDispatcherRunsTest {

    private static Loop newLoop() {
        return Async.newLoop(LoopOptions.defaults().withThreading(Threading.DEFAULT_DISPATCHER));
    }

    private static void spin(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void whatIsScheduledWhileNobodyRunsTheLoopWaitsForARun() throws Exception {
        Loop loop = newLoop();
        try {
            AtomicBoolean callbackRan = new AtomicBoolean();
            AtomicBoolean bodyRan = new AtomicBoolean();
            loop.callSoon(() -> callbackRan.set(true));
            Task<String> task = loop.createTaskAsync(() -> {
                bodyRan.set(true);
                return Async.sleepAsync(Duration.ofMillis(1)).thenApply(v -> "done");
            });
            Thread.sleep(100);
            assertFalse(callbackRan.get(), "a callback ran while nobody ran the loop");
            assertFalse(bodyRan.get(), "a task's body ran while nobody ran the loop");
            assertEquals("done", loop.runUntilComplete(task));
            assertTrue(callbackRan.get());
        } finally {
            loop.close();
        }
    }

    @Test
    void aRunEndsOnlyOnceTheCallbacksItStartedHaveReturned() {
        int rounds = 20;
        List<Integer> early = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Loop loop = newLoop();
            AtomicBoolean finished = new AtomicBoolean();
            try {
                loop.runUntilComplete(loop.createTaskAsync(() -> {
                    Promise<Void> started = loop.createPromise();
                    loop.callSoon(() -> {
                        started.complete(null); // completes the run's task: the loop is asked to stop
                        spin(30);
                        finished.set(true);
                    });
                    return started;
                }));
                if (!finished.get()) early.add(r);
            } finally {
                loop.close();
            }
        }
        assertEquals(List.of(), early, "rounds where runUntilComplete returned while a callback still ran");
    }

    @Test
    void closeReturnsOnlyOnceNoCallbackOfTheLoopRuns() throws Exception {
        int rounds = 20;
        int early = 0;
        for (int r = 0; r < rounds; r++) {
            Loop loop = newLoop();
            AtomicInteger running = new AtomicInteger();
            Task<Void> ticker = loop.createTaskAsync(() -> tick(loop, running));
            loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(2))));
            loop.close();
            if (running.get() != 0) early++;
            Thread.sleep(5);
            assertTrue(ticker.isCancelled(), "round " + r + ": " + ticker);
        }
        assertEquals(0, early, early + " of " + rounds + " closes returned while a callback of the loop still ran");
    }

    /** Schedules itself forever, each callback busy for 1 ms, counting itself in [running] while it runs. */
    private static Promise<Void> tick(Loop loop, AtomicInteger running) {
        Promise<Void> never = loop.createPromise();
        loop.callSoon(new Runnable() {
            @Override
            public void run() {
                running.incrementAndGet();
                try {
                    spin(1);
                    if (!loop.isClosed()) loop.callSoon(this);
                } catch (IllegalStateException closed) {
                    // the loop closed between the check and the call
                } finally {
                    running.decrementAndGet();
                }
            }
        });
        return never;
    }

    @Test
    void isRunningIsTrueInsideTheLoopsCallbacks() {
        Loop loop = newLoop();
        try {
            boolean seen = loop.runUntilComplete(loop.createTaskAsync(() -> {
                Promise<Boolean> p = loop.createPromise();
                loop.callSoon(() -> p.complete(loop.isRunning()));
                return p;
            }));
            assertTrue(seen, "isRunning() was false inside a callback of the running loop");
            assertFalse(loop.isRunning());
        } finally {
            loop.close();
        }
    }
}
