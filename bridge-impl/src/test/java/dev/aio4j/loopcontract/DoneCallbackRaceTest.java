package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * addDoneCallback / removeDoneCallback racing the completion of a promise, with the loop running
 * on a thread of its own: a callback added runs exactly once; one that removeDoneCallback counted
 * as removed never runs, and one it did not count runs once ("a registration removed here never
 * runs; one that this call finds scheduled already runs and is not counted").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DoneCallbackRaceTest {

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void addAndRemoveRacingCompletionLoseAndDoubleNothing(LoopOptions.Threading threading) throws Exception {
        int rounds = LoopContractSupport.rounds(2_000);
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        Thread runner = new Thread(loop::runForever, "loop-runner");
        runner.start();
        LoopContractSupport.until("the loop runs", loop::isRunning);
        List<String> wrong = new ArrayList<>();
        try {
            CyclicBarrier barrier = new CyclicBarrier(2);
            List<int[]> counts = new ArrayList<>();
            List<AtomicInteger> addedRuns = new ArrayList<>();
            List<AtomicInteger> removedRuns = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                Promise<String> p = loop.createPromise();
                AtomicInteger added = new AtomicInteger();
                AtomicInteger removable = new AtomicInteger();
                Consumer<Task<String>> keep = t -> added.incrementAndGet();
                Consumer<Task<String>> drop = t -> removable.incrementAndGet();
                int[] removedCount = new int[1];
                int spin = r % 64;
                Thread completer = new Thread(() -> {
                    await(barrier);
                    for (int k = 0; k < spin; k++) Thread.onSpinWait();
                    if ((spin & 1) == 0) p.complete("v");
                    else p.cancel();
                });
                completer.start();
                await(barrier);
                p.addDoneCallback(drop);
                p.addDoneCallback(keep);
                removedCount[0] = p.removeDoneCallback(drop);
                completer.join();
                counts.add(removedCount);
                addedRuns.add(added);
                removedRuns.add(removable);
            }
            // let every scheduled callback run
            Promise<Void> flush = loop.createPromise();
            loop.callSoon(() -> flush.complete(null));
            flush.join(java.time.Duration.ofSeconds(10));
            LoopContractSupport.sleepMs(100);
            for (int r = 0; r < rounds && wrong.size() < 10; r++) {
                int removed = counts.get(r)[0];
                int ranDrop = removedRuns.get(r).get();
                int ranKeep = addedRuns.get(r).get();
                if (ranKeep != 1) wrong.add("round " + r + ": a callback added ran " + ranKeep + " times");
                if (removed < 0 || removed > 1 || removed + ranDrop != 1) {
                    wrong.add("round " + r + ": removeDoneCallback said " + removed + ", the callback ran " + ranDrop + " times");
                }
            }
        } finally {
            loop.stop();
            runner.join(10_000);
            assertFalse(runner.isAlive());
            loop.close();
        }
        assertEquals(List.of(), wrong);
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** A callback added to a promise after a cancel from another thread still runs, once, and sees it cancelled. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void callbacksOfACancelledPromiseSeeItCancelled(LoopOptions.Threading threading) {
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            Promise<String> p = loop.createPromise();
            AtomicInteger ran = new AtomicInteger();
            List<Boolean> sawCancelled = new java.util.concurrent.CopyOnWriteArrayList<>();
            p.addDoneCallback(t -> {
                ran.incrementAndGet();
                sawCancelled.add(t.isCancelled());
            });
            Thread c = new Thread(p::cancel);
            c.start();
            c.join();
            p.addDoneCallback(t -> {
                ran.incrementAndGet();
                sawCancelled.add(t.isCancelled());
            });
            try {
                p.join();
            } catch (CancellationException expected) {
                // fine
            }
            LoopContractSupport.until("both callbacks ran", () -> ran.get() >= 2);
            Async.sleep(java.time.Duration.ofMillis(10));
            assertEquals(2, ran.get());
            assertEquals(List.of(true, true), sawCancelled);
            assertTrue(p.isCancelled());
            return null;
        });
    }
}
