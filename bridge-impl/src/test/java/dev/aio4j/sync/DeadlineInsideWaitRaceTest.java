package dev.aio4j.sync;

import static dev.aio4j.sync.CancelRaceSupport.outcome;
import static dev.aio4j.sync.CancelRaceSupport.spinMicros;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncCondition;
import dev.aio4j.sync.AsyncLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A deadline (Async.timeout, Async.waitFor, Async.timeoutAsync) that lands while the caller waits
 * for a lock or a condition, racing the release or signal that would serve it: either the waiter
 * is withdrawn and the caller sees the timeout holding nothing, or the grant came first and the
 * caller holds (and releases) what it was granted. Never both, never neither: the lock ends free.
 */
@Timeout(180)
class DeadlineInsideWaitRaceTest {
    private static final int ROUNDS = 1000;

    private static LoopOptions options(Threading threading) {
        return LoopOptions.defaults().withThreading(threading);
    }

    private static void report(List<String> bad, int rounds, String what) {
        assertTrue(bad.isEmpty(), what + ": " + bad.size() + " bad of " + rounds + " rounds; first: "
                + String.join("\n  ", bad.subList(0, Math.min(5, bad.size()))));
    }

    /** Blocking withLock inside Async.timeout, the deadline racing the holder's release. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void blockingWithLockUnderTimeoutRacingTheRelease(Threading threading) {
        List<String> bad = new ArrayList<>();
        int[] seen = new int[2];
        Async.run(options(threading), loop -> {
            Random random = new Random(1);
            for (int round = 0; round < ROUNDS; round++) {
                AsyncLock lock = AsyncLock.create();
                lock.lock();
                AtomicInteger ran = new AtomicInteger();
                long deadlineMicros = 20 + random.nextInt(200);
                Task<String> t = loop.createTask(() -> {
                    try {
                        return Async.timeout(Duration.ofNanos(deadlineMicros * 1000), () -> {
                            lock.withLock(ran::incrementAndGet);
                            return "ran";
                        });
                    } catch (AsyncTimeoutException e) {
                        return "timeout";
                    }
                });
                spinMicros(random.nextInt(300));
                lock.release();
                String o = outcome(t);
                if (o.equals("ok:ran")) {
                    seen[0]++;
                } else if (o.equals("ok:timeout")) {
                    seen[1]++;
                }
                boolean free = lock.tryLock();
                if (!(o.equals("ok:ran") && ran.get() == 1 || o.equals("ok:timeout") && ran.get() == 0) || !free) {
                    bad.add("round " + round + ": " + o + ", body ran " + ran.get() + ", lock free after: " + free);
                }
            }
            return null;
        });
        System.out.println("withLock under Async.timeout, " + threading + ": ran/timeout " + seen[0] + "/" + seen[1]);
        report(bad, ROUNDS, "withLock under Async.timeout (ran/timeout " + seen[0] + "/" + seen[1] + ")");
    }

    /** waitFor(acquireAsync) racing the release: success means the caller holds it, a timeout that it holds nothing. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void waitForAcquireAsyncRacingTheRelease(Threading threading) {
        List<String> bad = new ArrayList<>();
        Async.run(options(threading), loop -> {
            Random random = new Random(2);
            for (int round = 0; round < ROUNDS; round++) {
                AsyncLock lock = AsyncLock.create();
                lock.lock();
                Task<Void> w = Async.waitFor(lock.acquireAsync(), Duration.ofNanos((20 + random.nextInt(200)) * 1000L));
                spinMicros(random.nextInt(300));
                lock.release();
                String o = outcome(w);
                boolean lockedAfter = lock.isLocked();
                String err = null;
                if (o.equals("ok:null")) {
                    if (!lockedAfter) {
                        err = "succeeded but the lock is free";
                    } else {
                        lock.release();
                    }
                } else if (o.equals("timeout")) {
                    if (lockedAfter) {
                        err = "timed out but the lock is held (by nobody)";
                    }
                } else {
                    err = "ended " + o;
                }
                if (err == null && !lock.tryLock()) {
                    err = "lock not free at the end";
                }
                if (err != null) {
                    bad.add("round " + round + ": " + err);
                }
            }
            return null;
        });
        report(bad, ROUNDS, "waitFor(acquireAsync)");
    }

    /** timeoutAsync around withLockAsync, racing the release: the lock ends free, the body ran at most once. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void timeoutAsyncAroundWithLockAsyncRacingTheRelease(Threading threading) {
        List<String> bad = new ArrayList<>();
        Async.run(options(threading), loop -> {
            Random random = new Random(3);
            for (int round = 0; round < ROUNDS; round++) {
                AsyncLock lock = AsyncLock.create();
                lock.lock();
                AtomicInteger ran = new AtomicInteger();
                Task<Integer> t = Async.timeoutAsync(Duration.ofNanos((20 + random.nextInt(200)) * 1000L),
                        () -> lock.withLockAsync(() -> CompletableFuture.completedFuture(ran.incrementAndGet())));
                spinMicros(random.nextInt(300));
                lock.release();
                String o = outcome(t);
                Async.sleep(Duration.ZERO);
                boolean free = lock.tryLock();
                if (!free || !(o.equals("ok:1") && ran.get() == 1 || o.equals("timeout") && ran.get() <= 1)) {
                    bad.add("round " + round + ": " + o + ", body ran " + ran.get() + ", lock free after: " + free);
                }
            }
            return null;
        });
        report(bad, ROUNDS, "timeoutAsync(withLockAsync)");
    }

    /**
     * Outer deadline short, inner long, both around a wait for a lock that is never released: the
     * outer's AsyncTimeoutException, at the outer level, for the blocking and the non-blocking forms.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void anOuterDeadlineAroundAnInnerTimeoutFiresAtItsOwnLevel(Threading threading) {
        List<String> bad = new ArrayList<>();
        int rounds = 40;
        Async.run(options(threading), loop -> {
            AsyncLock lock = AsyncLock.create();
            lock.lock();
            for (int round = 0; round < rounds; round++) {
                Task<String> blocking = loop.createTask(() -> {
                    try {
                        return Async.timeout(Duration.ofMillis(2), () -> {
                            try {
                                return Async.timeout(Duration.ofSeconds(30), () -> {
                                    lock.withLock(() -> {});
                                    return "got the lock";
                                });
                            } catch (AsyncTimeoutException inner) {
                                return "inner timeout " + inner.timeout();
                            }
                        });
                    } catch (AsyncTimeoutException outer) {
                        return "outer " + outer.timeout();
                    }
                });
                Task<String> viaJoin = loop.createTask(() -> {
                    try {
                        return Async.timeout(Duration.ofMillis(2), () -> {
                            try {
                                Async.waitFor(lock.acquireAsync(), Duration.ofSeconds(30)).join();
                                lock.release();
                                return "got the lock";
                            } catch (AsyncTimeoutException inner) {
                                return "inner timeout " + inner.timeout();
                            }
                        });
                    } catch (AsyncTimeoutException outer) {
                        return "outer " + outer.timeout();
                    }
                });
                Task<String> nonBlocking = Async.timeoutAsync(Duration.ofMillis(2),
                        () -> Async.timeoutAsync(Duration.ofSeconds(30), () -> lock.withLockAsync(() -> CompletableFuture.completedFuture("got the lock"))))
                        .exceptionally(e -> e instanceof AsyncTimeoutException te ? "outer " + te.timeout() : "other " + e);
                for (Task<String> t : List.of(blocking, viaJoin, nonBlocking)) {
                    String o = outcome(t);
                    if (!o.equals("ok:outer PT0.002S")) {
                        bad.add("round " + round + " " + t.name() + ": " + o);
                    }
                }
            }
            lock.release();
            if (!lock.tryLock()) {
                bad.add("the lock is not free at the end");
            }
            return null;
        });
        report(bad, rounds * 3, "nested deadlines");
    }

    /**
     * Two waiters on a condition, the first under a deadline that lands as one signal comes: if the
     * first timed out, the second (which stays) must be woken by that signal, whoever got it first.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aSignalRacingAWaitersDeadlineIsNotLostForTheWaiterThatStays(Threading threading) {
        List<String> bad = new ArrayList<>();
        int rounds = 800;
        int[] skipped = new int[1];
        int[] firstEnded = new int[2];
        Async.run(options(threading), loop -> {
            Random random = new Random(4);
            for (int round = 0; round < rounds; round++) {
                AsyncCondition cond = AsyncCondition.create();
                AtomicInteger waiting = new AtomicInteger();
                long deadlineMicros = 3_000 + random.nextInt(300);
                long start = System.nanoTime();
                boolean firstAsync = random.nextBoolean();
                Task<String> first = firstAsync
                        ? Async.waitFor(cond.withLockAsync(() -> {
                            waiting.incrementAndGet();
                            return cond.awaitAsync();
                        }), Duration.ofNanos(deadlineMicros * 1000)).handle((v, e) -> e == null ? "woken" : e instanceof AsyncTimeoutException ? "timeout" : "other " + e)
                        : loop.createTask(() -> {
                            try {
                                return Async.timeout(Duration.ofNanos(deadlineMicros * 1000), () -> cond.withLock(() -> {
                                    waiting.incrementAndGet();
                                    cond.await();
                                    return "woken";
                                }));
                            } catch (AsyncTimeoutException e) {
                                return "timeout";
                            }
                        });
                CancelRaceSupport.until(() -> waiting.get() == 1 || first.isDone());
                if (waiting.get() == 0) { // timed out before it waited: no race this round
                    skipped[0]++;
                    continue;
                }
                Task<String> second = loop.createTask(() -> cond.withLock(() -> {
                    waiting.incrementAndGet();
                    cond.await();
                    return "woken";
                }));
                CancelRaceSupport.until(() -> waiting.get() == 2);
                Async.sleep(Duration.ofMillis(1)); // the second waits in the condition's line (it released the lock)
                long signalAt = start + (deadlineMicros - 150 + random.nextInt(300)) * 1000L;
                while (System.nanoTime() < signalAt) {
                    Thread.onSpinWait();
                }
                cond.withLock(() -> cond.signal());
                String f = outcome(first);
                firstEnded[f.equals("ok:woken") ? 0 : 1]++;
                String err = null;
                if (f.equals("ok:timeout")) {
                    try {
                        second.join(Duration.ofSeconds(5));
                    } catch (AsyncTimeoutException e) {
                        err = "the first timed out and the second was not woken: the signal was lost";
                    }
                } else if (!f.equals("ok:woken")) {
                    err = "the first ended " + f;
                }
                if (!second.isDone()) {
                    cond.withLock(() -> cond.signalAll());
                    outcome(second);
                }
                if (cond.isLocked()) {
                    err = (err == null ? "" : err + "; ") + "the lock is held at the end";
                }
                if (err != null) {
                    bad.add("round " + round + " (" + (firstAsync ? "awaitAsync" : "await") + "): " + err);
                }
            }
            return null;
        });
        System.out.println("signal vs deadline, " + threading + ": first woken/timed out " + firstEnded[0] + "/" + firstEnded[1] + ", not raced " + skipped[0]);
        report(bad, rounds, "signal vs deadline (first woken/timed out " + firstEnded[0] + "/" + firstEnded[1] + ", " + skipped[0] + " rounds not raced)");
    }

    /**
     * Inner and outer deadlines that pass at about the same moment, the inner around a wait for a
     * lock that is never released, its timeout caught; then the body waits for a second lock, also
     * never released: the outer deadline is never lost, whichever fired first (asyncio: the inner
     * Timeout raises its TimeoutError, the outer's cancellation stays pending for the next await).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void anOuterDeadlinePassingWithAnInnerOneIsNotLost(Threading threading) {
        List<String> bad = new ArrayList<>();
        int rounds = 300;
        Async.run(options(threading), loop -> {
            Random random = new Random(12);
            AsyncLock first = AsyncLock.create();
            AsyncLock second = AsyncLock.create();
            first.lock();
            second.lock();
            for (int round = 0; round < rounds; round++) {
                long innerMicros = 500 + random.nextInt(200);
                long outerMicros = 500 + random.nextInt(200);
                boolean blocking = round % 2 == 0;
                Task<String> t;
                if (blocking) {
                    t = loop.createTask(() -> {
                        try {
                            return Async.timeout(Duration.ofNanos(outerMicros * 1000), () -> {
                                String inner;
                                try {
                                    inner = Async.timeout(Duration.ofNanos(innerMicros * 1000), () -> {
                                        first.withLock(() -> {});
                                        return "got the first lock";
                                    });
                                } catch (AsyncTimeoutException e) {
                                    inner = "inner timeout";
                                }
                                second.withLock(() -> {});
                                return inner + ", then got the second lock";
                            });
                        } catch (AsyncTimeoutException outer) {
                            return "outer " + outer.timeout().toNanos() / 1000;
                        }
                    });
                } else {
                    t = Async.timeoutAsync(Duration.ofNanos(outerMicros * 1000),
                            () -> Async.timeoutAsync(Duration.ofNanos(innerMicros * 1000), () -> first.withLockAsync(() -> CompletableFuture.completedFuture("got the first lock")))
                                    .exceptionally(e -> e instanceof AsyncTimeoutException ? "inner timeout" : "other " + e)
                                    .thenCompose(inner -> second.withLockAsync(() -> CompletableFuture.completedFuture(inner + ", then got the second lock"))))
                            .exceptionally(e -> e instanceof AsyncTimeoutException te ? "outer " + te.timeout().toNanos() / 1000 : "other " + e);
                }
                String o = outcome(t);
                if (!o.equals("ok:outer " + outerMicros)) {
                    bad.add("round " + round + (blocking ? " blocking" : " non-blocking") + " (inner " + innerMicros + " µs, outer " + outerMicros + " µs): " + o);
                }
            }
            first.release();
            second.release();
            return null;
        });
        report(bad, rounds, "outer deadline with an inner one");
    }
}
