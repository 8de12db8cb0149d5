package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.aio4j.Async;
import dev.aio4j.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A cancellation that fans out to several to_thread tasks (a gather's cancel, wait_for's) where
 * some run and the others wait in the pool's queue: those not started when the request came never
 * run their bodies ("a task cancelled before its body starts never runs it"), even though the
 * interrupt of a running sibling frees a pool thread meanwhile. asyncio's gather.cancel() cancels
 * the queued executor jobs before any thread is free. Rounds: -Dloopcontract.rounds.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CancelFanOutToQueuedThreadsTest {

    @ParameterizedTest
    @ValueSource(strings = {"gather", "gatherOutcomes", "waitFor", "thenCombine", "applyToEither", "runAfterBoth"})
    void queuedBodiesNeverRunWhenTheFanOutCancelsThem(String how) {
        int rounds = LoopContractSupport.rounds(30);
        int ranTotal = 0;
        int roundsWithARun = 0;
        for (int r = 0; r < rounds; r++) {
            AtomicInteger queuedRan = new AtomicInteger();
            Async.run(loop -> {
                int pool = Math.min(32, Runtime.getRuntime().availableProcessors() + 4);
                CountDownLatch allBusy = new CountDownLatch(pool);
                List<Task<Integer>> all = new ArrayList<>();
                for (int i = 0; i < pool; i++) {
                    all.add(Async.toThread(() -> {
                        allBusy.countDown();
                        Thread.sleep(60_000);
                        return 0;
                    }));
                }
                allBusy.await();
                boolean twoInputs = how.startsWith("then") || how.startsWith("apply") || how.startsWith("run");
                for (int i = 0; i < (twoInputs ? 1 : 5); i++) all.add(Async.toThread(queuedRan::incrementAndGet));
                // the two-input stages: a running sibling first, a queued one second
                Task<Integer> running = all.get(0);
                Task<Integer> queued = all.get(all.size() - 1);
                Function<List<Task<Integer>>, Task<?>> fanOut = switch (how) {
                    case "gather" -> Async::gather;
                    case "gatherOutcomes" -> Async::gatherOutcomes;
                    case "thenCombine" -> ts -> running.thenCombine(queued, Integer::sum);
                    case "applyToEither" -> ts -> running.applyToEither(queued, x -> x);
                    case "runAfterBoth" -> ts -> running.runAfterBoth(queued, () -> { });
                    default -> ts -> Async.waitFor(Async.gather(ts), java.time.Duration.ofHours(1));
                };
                Task<?> t = fanOut.apply(all);
                t.cancel();
                assertThrows(CancellationException.class, t::join);
                for (int i = all.size() - 1; i >= 0; i--) all.get(i).cancel(); // the rest, for the two-input stages: queued ones first
                for (Task<Integer> each : all) {
                    try {
                        each.join();
                    } catch (CancellationException expected) {
                        // the request reached it
                    }
                }
                return null;
            });
            ranTotal += queuedRan.get();
            if (queuedRan.get() > 0) roundsWithARun++;
        }
        assertEquals(0, ranTotal, how + ": queued to_thread bodies ran after their cancellation, in " + roundsWithARun + " of " + rounds + " rounds");
    }
}
