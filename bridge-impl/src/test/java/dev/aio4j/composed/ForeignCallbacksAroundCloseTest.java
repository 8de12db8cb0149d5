package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.Handle;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A loop run for ever by a thread of its own, with three foreign threads scheduling on it all the
 * time (callSoon, callLater, callAt, execute; some callbacks throw a RuntimeException or an Error,
 * some long timers are cancelled at once), and pending work of every kind (a blocking task, a
 * runInExecutor body on the user's pool, a to_thread body, a non-blocking chain, each scheduling a callback in its clean-up), while the
 * test thread stops and closes the loop at a random moment.
 *
 * <p>What the Javadoc says and is checked: no callback and no exception-handler call runs after
 * close() returned; a call made after close() returned throws ("loop is closed", or
 * RejectedExecutionException for execute); a command execute() accepted is never dropped; each
 * throwing callback that ran reached the exception handler once, with its own exception; a timer
 * cancelled long before its time never runs; the pending tasks are done, their clean-up (and the
 * callback it scheduled while the close cancelled it) has run, and no aio4j thread is left.
 */
class ForeignCallbacksAroundCloseTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 150);

    static final class Boom extends RuntimeException {
        Boom() { super("callback failed", null, false, false); }
    }

    static final class BoomError extends Error {
        BoomError() { super("callback failed badly", null, false, false); }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void callbacksFromForeignThreadsAroundTheClose(Threading threading) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        List<String> failures = new ArrayList<>();
        long ranInAll = 0, refusedInAll = 0;
        java.util.concurrent.ExecutorService userPool = java.util.concurrent.Executors.newFixedThreadPool(1, r -> {
            Thread t = new Thread(r, "callbacks-user-pool");
            t.setDaemon(true);
            return t;
        });
        try {
        for (int round = 0; round < ROUNDS; round++) {
            String where = "round " + round;
            Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            AtomicBoolean closeReturned = new AtomicBoolean(), stopScheduling = new AtomicBoolean();
            AtomicInteger late = new AtomicInteger(), ran = new AtomicInteger();
            List<AtomicBoolean> cancelledEarly = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger refused = new AtomicInteger(), scheduledAfterClose = new AtomicInteger();
            Map<Throwable, Integer> reported = new IdentityHashMap<>();
            List<Throwable> thrown = new ArrayList<>();
            List<String> odd = java.util.Collections.synchronizedList(new ArrayList<>());
            loop.setExceptionHandler((l, ctx) -> {
                if (closeReturned.get()) late.incrementAndGet();
                synchronized (reported) {
                    if (ctx.exception() instanceof Boom || ctx.exception() instanceof BoomError) reported.merge(ctx.exception(), 1, Integer::sum);
                    else odd.add(ctx.message() + " " + ctx.exception());
                }
            });
            // pending work of every kind, each scheduling a callback from its clean-up
            AtomicInteger cleanUps = new AtomicInteger(), cleanUpCallbacks = new AtomicInteger();
            Runnable cleanUpCallback = () -> {
                if (closeReturned.get()) late.incrementAndGet();
                cleanUpCallbacks.incrementAndGet();
            };
            AtomicInteger bodiesStarted = new AtomicInteger();
            Task<Void> blocking = loop.createTask(() -> {
                bodiesStarted.incrementAndGet();
                try {
                    Async.sleep(Duration.ofMinutes(1));
                } finally {
                    cleanUps.incrementAndGet();
                    loop.callSoon(cleanUpCallback);
                }
            });
            Task<Integer> inPool = loop.runInExecutor(userPool, () -> {
                bodiesStarted.incrementAndGet();
                try {
                    Thread.sleep(60_000);
                    return 0;
                } finally {
                    cleanUps.incrementAndGet();
                    loop.callSoon(cleanUpCallback);
                }
            });
            Task<Void> async = loop.createTaskAsync(() -> {
                bodiesStarted.incrementAndGet();
                return Async.sleepAsync(Duration.ofMinutes(1)).whenComplete((v, e) -> {
                    cleanUps.incrementAndGet();
                    loop.callSoon(cleanUpCallback);
                });
            });
            java.util.concurrent.atomic.AtomicReference<Task<Integer>> toThread = new java.util.concurrent.atomic.AtomicReference<>();
            loop.callSoon(() -> toThread.set(Async.toThread(() -> { // made in the loop's first step: a to_thread body
                bodiesStarted.incrementAndGet();
                try {
                    Thread.sleep(60_000);
                    return 0;
                } finally {
                    cleanUps.incrementAndGet();
                    loop.callSoon(cleanUpCallback);
                }
            })));
            Thread runner = new Thread(loop::runForever, "callbacks-loop");
            runner.start();
            // executes accepted: each must run
            Set<Long> acceptedExecutes = java.util.concurrent.ConcurrentHashMap.newKeySet(), ranExecutes = java.util.concurrent.ConcurrentHashMap.newKeySet();
            List<Thread> schedulers = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                int sid = s;
                Thread t = new Thread(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    List<Handle> mine = new ArrayList<>();
                    int afterClose = 0;
                    for (int i = 0; afterClose < 20 && i < 30_000; i++) { // bounded: a flood that outlasts the close only slows the round
                        if (stopScheduling.get()) afterClose++;
                        boolean closedBefore = closeReturned.get();
                        int kind = rnd.nextInt(10);
                        long id = ((long) sid << 40) | i; // a scheduler may make more than a million calls in a round
                        Runnable cb = () -> {
                            if (closeReturned.get()) late.incrementAndGet();
                            ran.incrementAndGet();
                            int f = (int) (id % 7);
                            if (f == 0) {
                                Boom b = new Boom();
                                synchronized (thrown) { thrown.add(b); }
                                throw b;
                            }
                            if (f == 1) {
                                BoomError b = new BoomError();
                                synchronized (thrown) { thrown.add(b); }
                                throw b;
                            }
                        };
                        try {
                            switch (kind) {
                                case 0: case 1: case 2:
                                    mine.add(loop.callSoon(cb));
                                    break;
                                case 3: case 4:
                                    mine.add(loop.callLater(Duration.ofNanos(rnd.nextLong(0, 500_000)), cb));
                                    break;
                                case 5:
                                    mine.add(loop.callAt(loop.time().plusNanos(rnd.nextLong(-100_000, 500_000)), cb));
                                    break;
                                case 6: case 7:
                                    acceptedExecutes.add(id); // before: the command may run before execute() returns
                                    try {
                                        loop.execute(() -> { ranExecutes.add(id); cb.run(); });
                                    } catch (RejectedExecutionException e) {
                                        acceptedExecutes.remove(id);
                                        throw e;
                                    }
                                    break;
                                case 8: { // a timer cancelled at once, well before it is due: never runs
                                    long delay = rnd.nextLong(1_000_000, 3_000_000);
                                    AtomicBoolean ranIt = new AtomicBoolean();
                                    long t0 = System.nanoTime();
                                    Handle h = rnd.nextBoolean()
                                            ? loop.callLater(Duration.ofNanos(delay), () -> ranIt.set(true))
                                            : loop.callAt(loop.time().plusNanos(delay), () -> ranIt.set(true));
                                    h.cancel();
                                    if (System.nanoTime() - t0 < delay - 500_000) cancelledEarly.add(ranIt);
                                    if (!h.isCancelled()) odd.add("isCancelled() false after cancel()");
                                    break;
                                }
                                default:
                                    if (!mine.isEmpty()) mine.get(rnd.nextInt(mine.size())).cancel();
                                    continue;
                            }
                            if (closedBefore) scheduledAfterClose.incrementAndGet();
                        } catch (IllegalStateException | RejectedExecutionException e) {
                            if (e instanceof IllegalStateException && !"loop is closed".equals(e.getMessage())) odd.add("refused with " + e);
                            refused.incrementAndGet();
                        }
                        if (i % 16 == 0) Thread.yield();
                    }
                }, "callbacks-scheduler-" + s);
                t.start();
                schedulers.add(t);
            }
            long micros = ThreadLocalRandom.current().nextLong(0, 3_000);
            long end = System.nanoTime() + micros * 1000;
            while (System.nanoTime() < end) Thread.onSpinWait();
            loop.stop();
            runner.join(10_000);
            if (runner.isAlive()) {
                ComposedSupport.dumpThreads();
                fail(where + ": runForever did not return after stop()");
            }
            loop.close();
            closeReturned.set(true);
            stopScheduling.set(true);
            for (Thread t : schedulers) t.join(10_000);
            try {
                assertEquals(0, late.get(), where + ": callbacks or handler calls after close() returned");
                assertEquals(0, scheduledAfterClose.get(), where + ": calls accepted after close() returned");
                synchronized (cancelledEarly) {
                    long ranAfterCancel = cancelledEarly.stream().filter(AtomicBoolean::get).count();
                    assertEquals(0, ranAfterCancel, where + ": timers cancelled at least 0.5 ms before they were due ran (of " + cancelledEarly.size() + ")");
                }
                Set<Long> notRun = new java.util.TreeSet<>(acceptedExecutes), notAccepted = new java.util.TreeSet<>(ranExecutes);
                notRun.removeAll(ranExecutes);
                notAccepted.removeAll(acceptedExecutes);
                assertEquals(Set.of(), notRun, where + ": commands execute() accepted (returned normally) that never ran; " + acceptedExecutes.size() + " accepted");
                assertEquals(Set.of(), notAccepted, where + ": commands that ran although execute() threw");
                synchronized (reported) {
                    synchronized (thrown) {
                        for (Throwable b : thrown) assertEquals(1, reported.getOrDefault(b, 0), where + ": a callback's exception reported");
                        assertEquals(thrown.size(), reported.size(), where + ": reports");
                    }
                    assertEquals(List.of(), odd, where + ": odd reports or refusals");
                }
                assertEquals(TaskState.CANCELLED, blocking.state(), where + ": the blocking task");
                assertEquals(TaskState.CANCELLED, inPool.state(), where + ": the runInExecutor task");
                assertEquals(TaskState.CANCELLED, async.state(), where + ": the non-blocking task");
                if (toThread.get() != null) assertTrue(toThread.get().isDone(), where + ": the to_thread task " + toThread.get().state());
                assertEquals(bodiesStarted.get(), cleanUps.get(), where + ": bodies started vs clean-ups run");
                assertEquals(cleanUps.get(), cleanUpCallbacks.get(), where + ": callbacks the clean-ups scheduled while the close cancelled them");
                assertTrue(loop.allTasks().isEmpty(), where + ": tasks left " + loop.allTasks());
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
            ranInAll += ran.get();
            refusedInAll += refused.get();
        }
        } finally {
            userPool.shutdownNow();
            assertTrue(userPool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS));
        }
        List<String> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet())
            if (!before.contains(t) && t.isAlive() && (t.getName().startsWith("aio4j") || t.getName().startsWith("callbacks-loop") || t.getName().startsWith("callbacks-scheduler"))) left.add(t.getName());
        assertEquals(List.of(), left, "threads left alive");
        System.out.println(threading + ": callbacks run " + ranInAll + ", calls refused " + refusedInAll + ", failures " + failures.size() + "/" + ROUNDS);
        assertTrue(ranInAll > ROUNDS && refusedInAll > 0, "the schedulers hardly ran or never met the close");
        if (!failures.isEmpty()) fail(failures.size() + " of " + ROUNDS + " rounds failed; first: " + failures.subList(0, Math.min(6, failures.size())));
    }
}
