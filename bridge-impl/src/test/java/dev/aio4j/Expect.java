package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * kotlinx's {@code expect(n)}/{@code finish(n)} for tests whose steps run on other threads or on
 * a loop: each step says its number, a step out of order is recorded (a callback's exception would
 * only reach the loop's exception handler) and {@link #check()} rethrows it on the test's thread.
 *
 * <p>It is also a {@link LoopExceptionHandler} that records what reaches it, with the thread it
 * ran on; {@link #check()} fails if anything did, unless the test took it with {@link #reports()}.
 */
final class Expect implements LoopExceptionHandler {
    /** The bound of every wait in the tests: long enough never to be hit when things work. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private final AtomicInteger actions = new AtomicInteger();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
    private final List<Thread> reportThreads = new CopyOnWriteArrayList<>();
    private volatile boolean reportsTaken;

    /** Records step {@code n}; fails (now and at {@link #check()}) unless it is the next one. */
    void expect(int n) {
        int was = actions.incrementAndGet();
        if (was != n) {
            AssertionError e = new AssertionError("expected step " + n + " but it was step " + was);
            error.compareAndSet(null, e);
            throw e;
        }
    }

    /** The last step: {@link #expect(int)} then {@link #check()}. */
    void finish(int n) {
        expect(n);
        check();
    }

    /** Records a failed check made where a throw would not reach the test. */
    void record(Throwable e) {
        error.compareAndSet(null, e);
    }

    /** Runs {@code check} and records what it throws; for assertions inside callbacks. */
    void verify(ThrowingRunnable check) {
        try {
            check.run();
        } catch (Throwable e) {
            record(e);
        }
    }

    /** Rethrows the first failure recorded, and fails on unexpected reports to the handler. */
    void check() {
        Throwable e = error.get();
        if (e != null) {
            throw new AssertionError("a step failed: " + e, e);
        }
        if (!reportsTaken && !reports.isEmpty()) {
            ExceptionContext c = reports.get(0);
            throw new AssertionError("unexpected report to the exception handler: " + c, c.exception());
        }
    }

    @Override
    public void handle(Loop loop, ExceptionContext context) {
        reportThreads.add(Thread.currentThread());
        reports.add(context);
    }

    /** {@return what reached the handler so far}; the test then owns checking it. */
    List<ExceptionContext> reports() {
        reportsTaken = true;
        return reports;
    }

    /** {@return the threads the handler ran on, one per report} */
    List<Thread> reportThreads() {
        return reportThreads;
    }

    /** Waits for {@code latch}, failing after {@link #WAIT}. */
    static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "timed out waiting for a latch");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while waiting for a latch", e);
        }
    }

    /** Joins {@code thread}, failing if it is still alive after {@link #WAIT}. */
    static void join(Thread thread) {
        try {
            thread.join(WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while joining " + thread, e);
        }
        if (thread.isAlive()) {
            fail(thread + " is still alive after " + WAIT);
        }
    }

    /** Starts a daemon platform thread (not a loop's, not a task's) running {@code body}. */
    static Thread start(String name, ThrowingRunnable body, Expect expect) {
        Thread t = new Thread(() -> expect.verify(body), name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Asserts that {@code call} throws {@link NullPointerException} naming {@code parameter} and
     * the public method or type, as {@code "callback (Loop.callSoon)"} or {@code "threading (LoopOptions)"},
     * and no internal class.
     */
    static void assertNpeNames(String parameter, org.junit.jupiter.api.function.Executable call) {
        NullPointerException e = org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class, call);
        String m = String.valueOf(e.getMessage());
        assertTrue(m.matches(java.util.regex.Pattern.quote(parameter) + "(\\[\\d+\\])? \\([A-Z]\\w*(\\.\\w+)?\\)") && !m.contains("internal"),
                "the NullPointerException does not name the parameter " + parameter + " and the public method: " + m);
    }

    /** A {@link Runnable} that may throw, for checks. */
    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
