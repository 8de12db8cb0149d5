package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Loop.close() called by a second thread while a first thread's close() runs waits for it. When
 * that first close fails, the second must not report a close that did not happen: it returns only
 * with the loop closed (it closes the loop itself), or it throws.
 *
 * <p>The first close fails as close() can: it runs on a thread that runs another loop (a callback
 * of loop B closes loop A), so the run it needs to cancel and wait for A's tasks is refused ("cannot
 * run a loop while another loop is running on this thread"). Since the close's cancellations moved
 * into that run (CleanUpDuringCloseTest), such a close fails before it cancels anything, a few
 * instructions after it took the closing: the second close races it from another thread, started
 * together, round after round. Whichever way each round goes, a close() that returned normally
 * leaves the loop closed. With a waiting close that returned once the other close ended (the code
 * before the fix), the second close returned normally with the loop open in 2,608 and 2,508 of
 * 3,000 rounds (SINGLE_THREAD, DEFAULT_DISPATCHER); none after.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecondCloseAfterAFailedCloseTest {

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void aCloseThatWaitedForAFailedCloseReturnsOnlyWithTheLoopClosed(LoopOptions.Threading threading) throws Exception {
        int rounds = LoopContractSupport.rounds(1_000);
        List<String> wrong = new ArrayList<>();
        int bad = 0;
        int firstFailed = 0;
        for (int r = 0; r < rounds; r++) {
            int wrongBefore = wrong.size();
            Loop a = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            a.setExceptionHandler((l, c) -> { });
            Loop b = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            Promise<String> pending = a.createPromise(); // a task for the close to cancel when it can run
            AtomicInteger ready = new AtomicInteger();
            AtomicReference<Throwable> secondThrew = new AtomicReference<>();
            Thread t2 = new Thread(() -> {
                ready.incrementAndGet();
                while (ready.get() < 2) Thread.onSpinWait();
                try {
                    a.close();
                } catch (Throwable e) {
                    secondThrew.set(e);
                }
            }, "second-closer");
            t2.start();
            // the first close: from a callback of loop B, on B's thread (a worker marked as B's under DEFAULT_DISPATCHER)
            Promise<Throwable> firstOutcome = b.createPromise();
            b.callSoon(() -> {
                ready.incrementAndGet();
                while (ready.get() < 2) Thread.onSpinWait();
                try {
                    a.close();
                    firstOutcome.complete(null);
                } catch (Throwable e) {
                    firstOutcome.complete(e);
                }
            });
            Throwable firstThrew = b.runUntilComplete(firstOutcome);
            t2.join(30_000);
            if (firstThrew != null) firstFailed++;
            if (t2.isAlive()) {
                wrong.add("round " + r + ": the second close() hung");
            } else {
                if (firstThrew != null && !(firstThrew instanceof IllegalStateException)) {
                    wrong.add("round " + r + ": the first close failed otherwise than refused: " + firstThrew);
                }
                if (firstThrew == null && !a.isClosed()) {
                    wrong.add("round " + r + ": the first close() returned normally, the loop is not closed");
                }
                if (secondThrew.get() == null && !a.isClosed()) {
                    wrong.add("round " + r + ": the second close() returned normally, the loop is not closed (the first close threw "
                            + firstThrew + ")");
                }
                if (a.isClosed() && !pending.isCancelled()) {
                    wrong.add("round " + r + ": the loop closed with its task left " + pending.state());
                }
            }
            if (!a.isClosed()) a.close();
            b.close();
            if (wrong.size() > wrongBefore) bad++;
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(3, wrong.size())),
                bad + " of " + rounds + " rounds wrong (the first close failed in " + firstFailed + ")");
    }
}
