package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.ExceptionContext;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Races between deadlines, failures, cancellations and completions. Rounds: -Dstructured.rounds=N.
 * Each test counts the rounds that went wrong and reports the first.
 */
@Timeout(120)
class StructuredRacesTest {

    private static final int ROUNDS = ScopeSupport.rounds("structured.rounds", 300);

    /**
     * A child fails just as the blocking body returns: the group raises the child's failure, and
     * no interrupt is left for the caller's next wait.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aChildFailingAsTheBodyReturnsIsRaisedAndLeavesNoInterrupt(Threading threading) {
        String wrong = Async.run(ScopeSupport.options(threading), loop -> {
            Random r = new Random(1);
            int bad = 0;
            String first = null;
            for (int i = 0; i < ROUNDS; i++) {
                RuntimeException x = new IllegalStateException("x" + i);
                long micros = 200 + r.nextInt(400);
                String how;
                try {
                    Async.taskGroup(tg -> {
                        tg.createTask(() -> {
                            ScopeSupport.busyFor(Duration.ofNanos(micros * 1000));
                            throw x;
                        });
                        ScopeSupport.busyFor(Duration.ofNanos(micros * 1000));
                        return "body";
                    });
                    how = "the group returned";
                } catch (Throwable e) {
                    how = e == x ? null : "the group threw " + e;
                }
                if (how == null && Thread.currentThread().isInterrupted()) how = "an interrupt was left set";
                if (how == null) {
                    try {
                        Async.sleep(Duration.ZERO);
                    } catch (CancellationException e) {
                        how = "the next wait was cancelled";
                    }
                }
                Thread.interrupted();
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + ": " + how;
                }
            }
            return bad == 0 ? null : bad + " of " + ROUNDS + " rounds went wrong; first " + first;
        });
        assertNull(wrong);
    }

    /**
     * A task whose body retries a short Async.timeout forever is cancelled from outside: the
     * cancellation must end it however it lands against the deadlines (never swallowed into a
     * timeout), and the task ends CANCELLED.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelLandingOnRetriedDeadlinesIsNeverSwallowed(Threading threading) {
        String wrong = Async.run(ScopeSupport.options(threading), loop -> {
            Random r = new Random(2);
            int bad = 0;
            String first = null;
            int rounds = Math.max(1, ROUNDS / 3);
            for (int i = 0; i < rounds; i++) {
                AtomicInteger attempts = new AtomicInteger();
                Task<String> t = loop.createTask(() -> {
                    while (true) {
                        try {
                            Async.timeout(Duration.ofNanos(100_000 + r.nextInt(200_000)), () -> {
                                Async.sleep(Duration.ofMinutes(1));
                                return null;
                            });
                        } catch (AsyncTimeoutException e) {
                            attempts.incrementAndGet();
                        }
                    }
                });
                Async.sleep(Duration.ofNanos(300_000 + r.nextInt(2_000_000)));
                t.cancel();
                String how = null;
                try {
                    t.join(Duration.ofSeconds(5));
                    how = "returned";
                } catch (CancellationException e) {
                    if (t.state() != TaskState.CANCELLED) how = "ended " + t.state();
                } catch (AsyncTimeoutException e) {
                    how = "still running 5 s after the cancel (the cancellation was swallowed), after " + attempts.get() + " timeouts";
                    t.cancel();
                } catch (Throwable e) {
                    how = "ended with " + e;
                }
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + ": " + how;
                    if (bad > 3) break;
                }
            }
            return bad == 0 ? null : bad + " of " + rounds + " rounds went wrong; first " + first;
        });
        assertNull(wrong);
    }

    /** The same with the non-blocking form: a chain that retries timeoutAsync, cancelled from outside. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelLandingOnRetriedNonBlockingDeadlinesIsNeverSwallowed(Threading threading) {
        String wrong = Async.run(ScopeSupport.options(threading), loop -> {
            Random r = new Random(3);
            int bad = 0;
            String first = null;
            int rounds = Math.max(1, ROUNDS / 3);
            for (int i = 0; i < rounds; i++) {
                Task<Object> t = loop.createTaskAsync(() -> retry(r));
                Async.sleep(Duration.ofNanos(300_000 + r.nextInt(2_000_000)));
                t.cancel();
                String how = null;
                try {
                    t.join(Duration.ofSeconds(5));
                    how = "returned";
                } catch (CancellationException e) {
                    if (t.state() != TaskState.CANCELLED) how = "ended " + t.state();
                } catch (AsyncTimeoutException e) {
                    how = "still running 5 s after the cancel";
                    t.cancel();
                } catch (Throwable e) {
                    how = "ended with " + e;
                }
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + ": " + how;
                    if (bad > 3) break;
                }
            }
            return bad == 0 ? null : bad + " of " + rounds + " rounds went wrong; first " + first;
        });
        assertNull(wrong);
    }

    private static CompletableFuture<Object> retry(Random r) {
        long nanos;
        synchronized (r) {
            nanos = 100_000 + r.nextInt(200_000);
        }
        return Async.timeoutAsync(Duration.ofNanos(nanos), () -> Async.sleepAsync(Duration.ofMinutes(1)).thenApply(v -> (Object) v))
                .exceptionallyCompose(e -> e instanceof AsyncTimeoutException ? retry(r) : CompletableFuture.failedFuture(e))
                .toCompletableFuture();
    }

    /**
     * waitFor whose inner task completes about when the deadline passes: the outcome is the
     * value (inner SUCCESS) or the timeout (inner CANCELLED), never a cancellation of the waitFor,
     * never a lost value, and nothing reported.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void waitForRacingItsInnerTaskKeepsOneConsistentOutcome(Threading threading) {
        AtomicReference<String> wrong = new AtomicReference<>();
        List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
        Async.run(ScopeSupport.options(threading), loop -> {
            loop.setExceptionHandler((l, c) -> reports.add(c));
            Random r = new Random(4);
            int bad = 0;
            String first = null;
            for (int i = 0; i < ROUNDS; i++) {
                long innerMicros = 500 + r.nextInt(400);
                long deadlineMicros = 500 + r.nextInt(400);
                boolean blockingInner = i % 2 == 0;
                Task<String> inner = blockingInner
                        ? loop.createTask(() -> {
                            Async.sleep(Duration.ofNanos(innerMicros * 1000));
                            return "v";
                        })
                        : loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofNanos(innerMicros * 1000)).thenApply(v -> "v"));
                Task<String> w = Async.waitFor(inner, Duration.ofNanos(deadlineMicros * 1000));
                String how = null;
                try {
                    String v = w.join();
                    if (!"v".equals(v) || inner.state() != TaskState.SUCCESS) how = "got " + v + " with the inner " + inner.state();
                } catch (AsyncTimeoutException e) {
                    try {
                        inner.join();
                        how = "timed out, yet the inner task succeeded";
                    } catch (CancellationException expected) {
                        // right
                    }
                } catch (Throwable e) {
                    how = "threw " + e + " (waitFor " + w.state() + ", inner " + inner.state() + ")";
                }
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + " (" + (blockingInner ? "blocking" : "non-blocking") + " inner): " + how;
                }
            }
            if (bad > 0) wrong.set(bad + " of " + ROUNDS + " rounds went wrong; first " + first);
            return null;
        });
        assertNull(wrong.get());
        assertEquals(List.of(), reports);
    }

    /**
     * A gather cancelled about when one of its children fails: whenever the child did fail, the
     * gather ends FAILED with it (at once, or, cancelled, with the first failure among its
     * children), never CANCELLED with the failure lost; nothing is reported; and the other child
     * is always cancelled or left running as documented.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aGatherCancelledAsAChildFailsNeverLosesTheFailure(Threading threading) {
        AtomicReference<String> wrong = new AtomicReference<>();
        List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
        Async.run(ScopeSupport.options(threading), loop -> {
            loop.setExceptionHandler((l, c) -> reports.add(c));
            Random r = new Random(8);
            int bad = 0;
            String first = null;
            for (int i = 0; i < ROUNDS; i++) {
                RuntimeException x = new IllegalStateException("x" + i);
                long childMicros = 300 + r.nextInt(400);
                long cancelMicros = 300 + r.nextInt(400);
                Task<String> failing = i % 2 == 0
                        ? loop.createTask(() -> {
                            ScopeSupport.busyFor(Duration.ofNanos(childMicros * 1000));
                            throw x;
                        })
                        : loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofNanos(childMicros * 1000)).thenApply(v -> {
                            throw x;
                        }));
                Task<String> other = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMinutes(1)).thenApply(v -> "o"));
                Task<java.util.List<String>> g = Async.gather(failing, other);
                ScopeSupport.busyFor(Duration.ofNanos(cancelMicros * 1000));
                g.cancel();
                Object outcome;
                try {
                    outcome = g.join();
                } catch (Throwable e) {
                    outcome = e;
                }
                other.cancel();
                try {
                    failing.join();
                } catch (Throwable ignored) {
                    // its state is read below
                }
                String how = null;
                if (failing.state() == TaskState.FAILED && (outcome != x || g.state() != TaskState.FAILED)) how = "the child failed, yet the gather ended " + g.state() + " with " + outcome;
                else if (failing.state() != TaskState.FAILED && !(outcome instanceof CancellationException)) how = "the child ended " + failing.state() + " and the gather gave " + outcome;
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + ": " + how;
                }
            }
            Async.sleep(Duration.ofMillis(5));
            if (bad > 0) wrong.set(bad + " of " + ROUNDS + " rounds went wrong; first " + first);
            return null;
        });
        assertNull(wrong.get());
        assertEquals(List.of(), reports);
    }

    /**
     * waitFor over a promise that another thread completes about when the deadline passes:
     * complete() returned true exactly when waitFor gives the value; false exactly when it gives
     * the timeout (asyncio 3.12: a result that arrived before the cancellation wins).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void waitForOverAPromiseCompletedAtTheDeadlineAgreesWithComplete(Threading threading) {
        AtomicReference<String> wrong = new AtomicReference<>();
        Async.run(ScopeSupport.options(threading), loop -> {
            Random r = new Random(9);
            int bad = 0;
            String first = null;
            for (int i = 0; i < ROUNDS; i++) {
                dev.aio4j.Promise<String> p = loop.createPromise();
                long completeMicros = 300 + r.nextInt(400);
                long deadlineMicros = 300 + r.nextInt(400);
                Task<String> w = Async.waitFor(p, Duration.ofNanos(deadlineMicros * 1000));
                ScopeSupport.busyFor(Duration.ofNanos(completeMicros * 1000));
                boolean completed = p.complete("v");
                Object outcome;
                try {
                    outcome = w.join();
                } catch (Throwable e) {
                    outcome = e;
                }
                String how = null;
                if (completed && !"v".equals(outcome)) how = "complete() returned true, yet waitFor gave " + outcome;
                if (!completed && !(outcome instanceof AsyncTimeoutException)) how = "complete() returned false, and waitFor gave " + outcome;
                if (how != null) {
                    bad++;
                    if (first == null) first = "round " + i + ": " + how;
                }
            }
            if (bad > 0) wrong.set(bad + " of " + ROUNDS + " rounds went wrong; first " + first);
            return null;
        });
        assertNull(wrong.get());
    }
}
