package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Done;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.ReturnWhen;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.sync.AsyncQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * asyncio's select over two queues, written the asyncio way:
 *
 * <pre>
 * g1, g2 = create_task(q1.get()), create_task(q2.get())
 * done, pending = await asyncio.wait({g1, g2}, return_when=FIRST_COMPLETED)
 * for p in pending: p.cancel()          # return value ignored, as every asyncio example does
 * items = [d.result() for d in done]
 * </pre>
 *
 * In asyncio this loses nothing: a pending getter task has not taken an item (Queue.get takes it
 * only when the getter resumes; a woken-but-not-resumed getter that is cancelled leaves the item
 * in the queue). In aio4j a getter can be served (its item handed over under the queue's lock)
 * and still be RUNNING (it completes in a later loop step); it is then in {@code pending}. Found
 * from outside on 2026-12-06: its {@code cancel()} returned {@code false} and it went on to
 * SUCCESS with an item that nobody read (fixed schedule: every time; random rounds on one thread:
 * 71-97 of 200). Now its {@code cancel()} gives the item back.
 *
 * <p>With threads (a blocking-style body, a DEFAULT_DISPATCHER loop) a pending getter may complete
 * between the split and the {@code cancel()}, which no rule can take back: asyncio has neither
 * style, and Async.wait's Javadoc says to take the result of a getter whose {@code cancel()}
 * refuses. Those styles run the careful idiom here; the careless one lost items in 32-198 of 200
 * rounds in them, which is why they are not run.
 *
 * <p>(as_completed-then-cancel, {@code for t in as_completed(...): x = await t; break} followed by
 * cancelling both, is lossy in CPython 3.11 too, 200 of 200 rounds, since the other getter may
 * already have completed: the AS_COMPLETED_BLOCKING style is kept in the code but not run.)
 *
 * <p>The invariant: every item put is, at the end, exactly once in the consumer's hands or still in
 * a queue. The "careful" variants (check {@code cancel()}'s result and take the value of a getter
 * that refused) are guards that must pass.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SelectOverTwoQueuesLosesNoItemTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 200);
    static final int ITEMS = 40;
    /** Per parameterized run: refused cancels made on a getter still RUNNING (served, not completed) or already done. */
    static final java.util.concurrent.atomic.AtomicInteger REFUSED_RUNNING = new java.util.concurrent.atomic.AtomicInteger();
    static final java.util.concurrent.atomic.AtomicInteger REFUSED_DONE = new java.util.concurrent.atomic.AtomicInteger();

    /** cancel() as asyncio code calls it (result ignored by the caller), counting why it refused. */
    static boolean cancelCounting(Task<?> p) {
        TaskState before = p.state();
        boolean c = p.cancel();
        if (!c) (before == TaskState.RUNNING ? REFUSED_RUNNING : REFUSED_DONE).incrementAndGet();
        return c;
    }

    // ------------------------------------------------------------------ forced schedule

    /**
     * One loop thread, schedule forced with callSoon: q1's item completes g1, whose completion
     * queues the wait's split step; q2's item is put before that step runs, so g2 is served
     * but not completed when the split is taken: g2 is in {@code pending}.
     */
    @Test
    void waitFirstCompletedThenCancelPendingAsAsyncioDoesLosesNoItem() {
        try (Loop loop = Async.newLoop()) {
            AsyncQueue<String> q1 = AsyncQueue.create(), q2 = AsyncQueue.create();
            List<String> taken = new ArrayList<>();
            List<String> schedule = new ArrayList<>();
            List<Task<String>> getters = new ArrayList<>();
            Task<Void> main = loop.createTaskAsync(() -> {
                Task<String> g1 = q1.getAsync(), g2 = q2.getAsync();
                getters.add(g1);
                getters.add(g2);
                Task<Done<String>> w = Async.wait(List.of(g1, g2), ReturnWhen.FIRST_COMPLETED);
                loop.callSoon(() -> {
                    q1.putNow("a");
                    loop.callSoon(() -> q2.putNow("b"));
                });
                return w.thenAccept(done -> {
                    for (Task<String> p : done.pending()) {
                        TaskState before = p.state();
                        boolean cancelled = cancelCounting(p); // asyncio: p.cancel(), result ignored
                        schedule.add(p == g2 ? "g2 pending, " + before + ", cancel()=" + cancelled : "g1 pending?");
                    }
                    for (Task<String> d : done.done()) taken.add(d.resultNow());
                });
            });
            loop.runUntilComplete(main);
            settle(loop);
            List<String> left = drain(q1, q2);
            String where = "schedule " + schedule + ", getters " + states(getters) + ", taken " + taken + ", left in queues " + left;
            assertEquals(List.of("g2 pending, RUNNING, cancel()=true"), schedule, "the schedule meant (g2 served, not completed; its cancel() wins): " + where);
            assertConserved(List.of("a", "b"), taken, left, where);
        }
    }

    /** The same schedule with the careful form (a getter whose cancel() refused is awaited and its item taken): a guard. */
    @Test
    void waitFirstCompletedThenCancelPendingCheckingCancelsResultLosesNoItem() {
        try (Loop loop = Async.newLoop()) {
            AsyncQueue<String> q1 = AsyncQueue.create(), q2 = AsyncQueue.create();
            List<String> taken = new ArrayList<>();
            Task<Void> main = loop.createTaskAsync(() -> {
                Task<String> g1 = q1.getAsync(), g2 = q2.getAsync();
                Task<Done<String>> w = Async.wait(List.of(g1, g2), ReturnWhen.FIRST_COMPLETED);
                loop.callSoon(() -> {
                    q1.putNow("a");
                    loop.callSoon(() -> q2.putNow("b"));
                });
                return w.thenCompose(done -> {
                    List<Task<String>> refused = new ArrayList<>();
                    for (Task<String> p : done.pending()) if (!p.cancel()) refused.add(p);
                    for (Task<String> d : done.done()) taken.add(d.resultNow());
                    if (refused.isEmpty()) return CompletableFuture.completedFuture(null);
                    return Async.gather(refused).thenAccept(taken::addAll);
                });
            });
            loop.runUntilComplete(main);
            settle(loop);
            List<String> left = drain(q1, q2);
            assertConserved(List.of("a", "b"), taken, left, "taken " + taken + ", left " + left);
        }
    }

    // ------------------------------------------------------------------ random moments

    enum Style { WAIT_NONBLOCKING, WAIT_BLOCKING, AS_COMPLETED_BLOCKING, WAIT_BLOCKING_CAREFUL }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "SINGLE_THREAD,WAIT_NONBLOCKING",
        "SINGLE_THREAD,WAIT_BLOCKING_CAREFUL", "DEFAULT_DISPATCHER,WAIT_BLOCKING_CAREFUL",
    })
    void selectRoundsAtRandomMomentsLoseNoItem(LoopOptions.Threading threading, Style style) {
        List<String> failures = new ArrayList<>();
        int rounds = Math.min(ROUNDS, 200);
        REFUSED_RUNNING.set(0);
        REFUSED_DONE.set(0);
        for (int round = 0; round < rounds; round++) {
            String f = oneRound(threading, style);
            if (f != null) failures.add("round " + round + ": " + f);
        }
        if (!failures.isEmpty()) {
            fail(style + " on " + threading + ": " + failures.size() + " of " + rounds + " rounds lost or duplicated items; first: "
                    + failures.get(0) + "\nrefused cancels on a getter RUNNING (served, not completed; asyncio would leave the item in the queue): "
                    + REFUSED_RUNNING.get() + ", on a getter already done: " + REFUSED_DONE.get() + "\nlast: " + failures.get(failures.size() - 1));
        }
    }

    private static String oneRound(LoopOptions.Threading threading, Style style) {
        AsyncQueue<String> q1 = AsyncQueue.create(), q2 = AsyncQueue.create();
        List<String> taken = Collections.synchronizedList(new ArrayList<>());
        List<Task<String>> getters = Collections.synchronizedList(new ArrayList<>());
        List<String> put = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) { put.add("a" + i); put.add("b" + i); }
        AtomicBoolean producersDone = new AtomicBoolean();
        List<String> reported = Collections.synchronizedList(new ArrayList<>());
        List<Loop> loops = new ArrayList<>();
        try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
            loops.add(loop);
            loop.setExceptionHandler((l, c) -> reported.add(c.message() + " " + c.exception()));
            Task<Void> pa = loop.createTask(() -> produce(q1, "a"));
            Task<Void> pb = loop.createTask(() -> produce(q2, "b"));
            Task<Void> producers = Async.gather(pa, pb).thenAccept(v -> producersDone.set(true));
            Task<Void> consumer = switch (style) {
                case WAIT_NONBLOCKING -> loop.createTaskAsync(() -> selectLoopAsync(q1, q2, taken, getters, producersDone));
                default -> loop.createTask(() -> selectLoopBlocking(q1, q2, taken, getters, producersDone, style));
            };
            loop.runUntilComplete(Async.gather(producers, consumer));
            settle(loop);
        } catch (Throwable t) {
            return "run threw " + t;
        }
        List<String> left = drain(q1, q2);
        Map<String, Integer> count = new HashMap<>();
        for (String s : taken) count.merge(s, 1, Integer::sum);
        for (String s : left) count.merge(s, 1, Integer::sum);
        List<String> wrong = new ArrayList<>();
        for (String s : put) {
            int n = count.getOrDefault(s, 0);
            if (n != 1) {
                String holder = "";
                synchronized (getters) {
                    for (Task<String> g : getters) {
                        if (g.state() == TaskState.SUCCESS && s.equals(g.resultNow())) holder = " (a getter that ended SUCCESS holds it; nobody read it)";
                    }
                }
                wrong.add(s + " x" + n + holder);
            }
        }
        if (!reported.isEmpty()) wrong.add("reported: " + reported);
        for (Task<?> t : loops.get(0).allTasks()) if (!t.isDone()) wrong.add("a task outlived the loop: " + t);
        return wrong.isEmpty() ? null : wrong.toString();
    }

    private static void produce(AsyncQueue<String> q, String prefix) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < ITEMS; i++) {
            q.put(prefix + i);
            int pause = r.nextInt(4);
            if (pause == 0) Async.sleep(Duration.ZERO);
            else if (pause == 1) Async.sleep(Duration.ofNanos(r.nextInt(200_000)));
        }
    }

    private static CompletionStage<Void> selectLoopAsync(AsyncQueue<String> q1, AsyncQueue<String> q2, List<String> taken,
                                                         List<Task<String>> getters, AtomicBoolean producersDone) {
        Task<String> g1 = q1.getAsync(), g2 = q2.getAsync();
        getters.add(g1);
        getters.add(g2);
        return Async.wait(List.of(g1, g2), ReturnWhen.FIRST_COMPLETED, Duration.ofMillis(2)).thenCompose(done -> {
            for (Task<String> p : done.pending()) cancelCounting(p); // asyncio's way: result ignored
            for (Task<String> d : done.done()) if (d.state() == TaskState.SUCCESS) taken.add(d.resultNow());
            if (done.done().isEmpty() && producersDone.get() && q1.isEmpty() && q2.isEmpty()) return CompletableFuture.completedFuture(null);
            return selectLoopAsync(q1, q2, taken, getters, producersDone);
        });
    }

    private static void selectLoopBlocking(AsyncQueue<String> q1, AsyncQueue<String> q2, List<String> taken,
                                           List<Task<String>> getters, AtomicBoolean producersDone, Style style) {
        while (true) {
            Task<String> g1 = q1.getAsync(), g2 = q2.getAsync();
            getters.add(g1);
            getters.add(g2);
            List<Task<String>> got = new ArrayList<>();
            if (style == Style.AS_COMPLETED_BLOCKING) {
                // for t in as_completed((g1, g2), timeout): item = await t; break  -- then cancel both
                try {
                    for (Task<String> t : Async.asCompleted(List.of(g1, g2), Duration.ofMillis(2))) {
                        got.add(t);
                        break;
                    }
                } catch (AsyncTimeoutException e) {
                    // nothing in time
                }
                cancelCounting(g1);
                cancelCounting(g2);
            } else {
                Done<String> done = Async.wait(List.of(g1, g2), ReturnWhen.FIRST_COMPLETED, Duration.ofMillis(2)).join();
                got.addAll(done.done());
                for (Task<String> p : done.pending()) {
                    boolean cancelled = cancelCounting(p);
                    if (!cancelled && style == Style.WAIT_BLOCKING_CAREFUL) got.add(p);
                }
            }
            boolean any = false;
            for (Task<String> t : got) {
                try {
                    taken.add(t.join());
                    any = true;
                } catch (java.util.concurrent.CancellationException e) {
                    // withdrawn
                }
            }
            if (!any && producersDone.get() && q1.isEmpty() && q2.isEmpty()) return;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Runs a few more loop steps so that what was served in the last step has completed. */
    static void settle(Loop loop) {
        loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(5))));
    }

    @SafeVarargs
    static <T> List<T> drain(AsyncQueue<T>... queues) {
        List<T> left = new ArrayList<>();
        for (AsyncQueue<T> q : queues) while (!q.isEmpty()) left.add(q.getNow());
        return left;
    }

    static String states(List<? extends Task<?>> tasks) {
        List<String> s = new ArrayList<>();
        for (Task<?> t : tasks) s.add(t.state() + (t.state() == TaskState.SUCCESS ? "(" + t.resultNow() + ")" : ""));
        return s.toString();
    }

    static void assertConserved(List<String> put, List<String> taken, List<String> left, String where) {
        for (String s : put) {
            int n = Collections.frequency(taken, s) + Collections.frequency(left, s);
            assertEquals(1, n, "item " + s + " must be exactly once in the consumer's hands or in a queue: " + where);
        }
        assertTrue(taken.size() + left.size() == put.size(), where);
    }
}
