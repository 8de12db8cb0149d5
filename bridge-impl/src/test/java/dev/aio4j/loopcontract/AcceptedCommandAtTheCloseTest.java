package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Loop.execute: a command whose execute() returned normally runs, even as the loop closes. Threads
 * call execute() without pause while others flood callSoon, and the loop closes under them: an
 * execute() that read the flags before close() set them queues its command after close()'s last
 * look at the queues; it must then take its command back (and refuse), or see it run. Before
 * 2026-12-06, the close's final emptying of the inbox (after closed was set) could take the command
 * first and drop it: execute() then failed to take it back, returned normally, and the command
 * never ran (found by reading the code, a likely cause of the accepted callback lost once at a
 * close in full-suite runs: AsyncWithEdgesTest, NothingRunsAfterCloseTest). The window is a
 * preemption of execute() between its read of the flags and its queueing: this test did not catch
 * it before the fix (0 of 2,000 rounds); it guards the rule. Rounds: -Dloopcontract.rounds.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AcceptedCommandAtTheCloseTest {

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void everyCommandThatExecuteAcceptedRunsBeforeCloseReturns(LoopOptions.Threading threading) throws Exception {
        int rounds = LoopContractSupport.rounds(100);
        int lostRounds = 0;
        int late = 0;
        String detail = "";
        for (int r = 0; r < rounds; r++) {
            Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            AtomicBoolean closeReturned = new AtomicBoolean();
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger ranLate = new AtomicInteger();
            Runnable command = () -> {
                if (closeReturned.get()) ranLate.incrementAndGet();
                ran.incrementAndGet();
            };
            CountDownLatch started = new CountDownLatch(8);
            List<Thread> threads = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                boolean executes = k < 6;
                Thread t = new Thread(() -> {
                    started.countDown();
                    try {
                        for (int i = 0; i < 20_000; i++) { // bounded: the loop does not run before its close
                            if (executes) {
                                loop.execute(command);
                                accepted.incrementAndGet();
                                Thread.yield();
                            } else {
                                loop.callSoon(() -> {}); // a long inbox for close()'s last emptying
                            }
                        }
                    } catch (RejectedExecutionException | IllegalStateException e) {
                        // refused: the loop is closing or closed
                    }
                });
                t.start();
                threads.add(t);
            }
            started.await();
            Thread.sleep(1);
            loop.close();
            closeReturned.set(true);
            for (Thread t : threads) t.join(10_000);
            if (ran.get() != accepted.get()) {
                lostRounds++;
                detail = "round " + r + ": accepted " + accepted.get() + ", ran " + ran.get();
            }
            late += ranLate.get();
        }
        assertEquals(0, lostRounds + late, lostRounds + " rounds of " + rounds + " lost accepted commands, "
                + late + " commands ran after close() returned; last: " + detail);
    }
}
