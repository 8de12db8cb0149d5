package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Task.addDoneCallback: callbacks are scheduled in the order they were added and run in that order
 * on a single-threaded loop, also when they are added from one thread while another completes the
 * task. Found from outside (2026-12-07): a callback added just after the completion had taken the
 * registered ones was scheduled at once, ahead of those the completing thread had not scheduled yet
 * ([0, 9, 1, 2, ...]: about 3 rounds in 1,000).
 */
@Timeout(120)
class DoneCallbackOrderRaceTest {
    private static final int ROUNDS = 3_000;

    private static void spin(long micros) {
        long end = System.nanoTime() + micros * 1_000;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }

    @Test
    void callbacksAddedWhileAnotherThreadCompletesTheTaskRunInTheOrderTheyWereAdded() throws Exception {
        ExecutorService completer = Executors.newSingleThreadExecutor();
        try {
            List<String> wrong = Async.run(loop -> {
                List<String> w = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    CountDownLatch go = new CountDownLatch(1);
                    Promise<Integer> p = loop.createPromise();
                    int delay = ThreadLocalRandom.current().nextInt(30);
                    completer.submit(() -> {
                        go.await();
                        spin(delay);
                        return p.complete(1);
                    });
                    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
                    go.countDown();
                    for (int k = 0; k < 10; k++) {
                        int n = k;
                        p.addDoneCallback(t -> ran.add(n));
                    }
                    p.join();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (ran.size() < 10 && System.nanoTime() < deadline) Async.sleep(Duration.ofMillis(1));
                    if (!ran.equals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) && w.size() < 5) w.add("round " + round + ": " + ran);
                }
                return w;
            });
            assertEquals(List.of(), wrong);
        } finally {
            completer.shutdownNow();
            completer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The window made wide: a stage derived with thenApply, registered first, runs its function on
     * the completing thread (300 us) before the completion schedules the callback registered after
     * it; a callback added meanwhile, once the task is done, must still run after that one.
     */
    @Test
    void aCallbackAddedWhileTheCompletionRunsAnEarlierHandlerRunsAfterTheCallbacksAddedBefore() throws Exception {
        ExecutorService completer = Executors.newSingleThreadExecutor();
        try {
            List<String> wrong = Async.run(loop -> {
                List<String> w = new ArrayList<>();
                for (int round = 0; round < 50; round++) {
                    Promise<Integer> p = loop.createPromise();
                    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
                    p.thenApply(x -> {
                        spin(300);
                        return x;
                    });
                    p.addDoneCallback(t -> ran.add(0));
                    completer.submit(() -> p.complete(1));
                    while (!p.isDone()) Thread.onSpinWait();
                    p.addDoneCallback(t -> ran.add(1));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (ran.size() < 2 && System.nanoTime() < deadline) Async.sleep(Duration.ofMillis(1));
                    if (!ran.equals(List.of(0, 1)) && w.size() < 5) w.add("round " + round + ": " + ran);
                }
                return w;
            });
            assertEquals(List.of(), wrong);
        } finally {
            completer.shutdownNow();
            completer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
    /**
     * A callback added to a done task whose earlier callbacks have all been scheduled is scheduled
     * at once (asyncio's add_done_callback on a done future is a call_soon), also from a handler
     * that the completion runs after it scheduled them: between two callSoon calls it runs between
     * their callbacks. Found from outside (2026-12-07): the completion kept the stack open until
     * its last handler had run, so such a callback came after both ([cs-before, cs-after, late]).
     */
    @Test
    void aCallbackAddedAfterTheEarlierOnesWereScheduledIsScheduledAtOnce() throws Exception {
        for (String registeredFirst : new String[] {"callback", "stage"}) {
            List<String> log = Async.runAsync(loop -> {
                List<String> l = new ArrayList<>();
                Promise<Integer> p = loop.createPromise();
                Runnable addLate = () -> {
                    loop.callSoon(() -> l.add("cs-before"));
                    p.addDoneCallback(t -> l.add("late"));
                    loop.callSoon(() -> l.add("cs-after"));
                };
                if (registeredFirst.equals("callback")) {
                    p.addDoneCallback(t -> l.add("early"));
                    p.whenComplete((v, e) -> addLate.run());
                } else {
                    p.thenApply(v -> {
                        addLate.run();
                        return v;
                    });
                    p.addDoneCallback(t -> l.add("early"));
                }
                loop.callSoon(() -> p.complete(1));
                return Async.sleepAsync(Duration.ofMillis(20)).thenApply(v -> l);
            });
            // a stage registered first runs before the earlier callback is scheduled: the late one
            // waits for it (order of adding), and so comes after both callSoon calls
            List<String> expected = registeredFirst.equals("callback")
                    ? List.of("early", "cs-before", "late", "cs-after")
                    : List.of("cs-before", "cs-after", "early", "late");
            assertEquals(expected, log, "registered first: " + registeredFirst);
        }
    }
    /**
     * The same order with more handlers than the completion runs by recursion (64): stages
     * registered before, between and after the callbacks put the newest callback, or both, among
     * the handlers run from a list. The late callback must still be scheduled at once, and the
     * handlers all run, in the order they were added.
     */
    @Test
    void theOrderHoldsWhenTheHandlersAreTooManyToRunByRecursion() throws Exception {
        for (int[] padding : new int[][] {{100, 0}, {0, 100}, {70, 70}}) {
            List<String> log = Async.runAsync(loop -> {
                List<String> l = new ArrayList<>();
                List<Integer> stages = new ArrayList<>();
                int[] added = {0};
                Promise<Integer> p = loop.createPromise();
                for (int k = 0; k < padding[0]; k++) {
                    int n = added[0]++;
                    p.whenComplete((v, e) -> stages.add(n));
                }
                p.addDoneCallback(t -> l.add("early"));
                for (int k = 0; k < padding[1]; k++) {
                    int n = added[0]++;
                    p.whenComplete((v, e) -> stages.add(n));
                }
                p.whenComplete((v, e) -> {
                    loop.callSoon(() -> l.add("cs-before"));
                    p.addDoneCallback(t -> l.add("late"));
                    loop.callSoon(() -> l.add("cs-after"));
                });
                loop.callSoon(() -> p.complete(1));
                return Async.sleepAsync(Duration.ofMillis(20)).thenApply(v -> {
                    List<Integer> inOrder = new ArrayList<>();
                    for (int k = 0; k < added[0]; k++) inOrder.add(k);
                    if (!stages.equals(inOrder)) l.add("stages ran as " + stages);
                    return l;
                });
            });
            assertEquals(List.of("early", "cs-before", "late", "cs-after"), log, "padding " + padding[0] + "/" + padding[1]);
        }
    }
    /** Without a done callback too: 200 stages derived from one task run in the order they were derived. */
    @Test
    void manyStagesRunInTheOrderTheyWereDerived() throws Exception {
        List<Integer> ran = Async.runAsync(loop -> {
            List<Integer> l = new ArrayList<>();
            Promise<Integer> p = loop.createPromise();
            for (int k = 0; k < 200; k++) {
                int n = k;
                p.whenComplete((v, e) -> l.add(n));
            }
            loop.callSoon(() -> p.complete(1));
            return p.thenApply(v -> l);
        });
        List<Integer> inOrder = new ArrayList<>();
        for (int k = 0; k < 200; k++) inOrder.add(k);
        assertEquals(inOrder, ran);
    }
}
