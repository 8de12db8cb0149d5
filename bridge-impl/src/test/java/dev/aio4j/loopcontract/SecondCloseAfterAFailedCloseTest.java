package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * of loop B closes loop A), so the step it needs to wait for A's cancelled tasks is refused
 * ("cannot run a loop while another loop is running on this thread"). A's task is a promise with a
 * whenComplete stage, whose function runs on the cancelling thread, in the first close: it holds
 * that close until the second thread waits in its close().
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecondCloseAfterAFailedCloseTest {

    /** Whether {@code t} is parked inside EventLoop.close(). */
    static boolean waitsInClose(Thread t) {
        Thread.State s = t.getState();
        if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) return false;
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().equals("dev.aio4j.internal.EventLoop") && f.getMethodName().equals("close")) return true;
        }
        return false;
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void aCloseThatWaitedForAFailedCloseReturnsOnlyWithTheLoopClosed(LoopOptions.Threading threading) throws Exception {
        int rounds = LoopContractSupport.rounds(10);
        List<String> wrong = new ArrayList<>();
        int bad = 0;
        for (int r = 0; r < rounds; r++) {
            int wrongBefore = wrong.size();
            Loop a = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            a.setExceptionHandler((l, c) -> { });
            Loop b = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            AtomicReference<Thread> second = new AtomicReference<>();
            AtomicReference<Throwable> secondThrew = new AtomicReference<>();
            CountDownLatch firstInClose = new CountDownLatch(1);
            Promise<String> p = a.createPromise();
            p.whenComplete((v, e) -> { // runs where p completes: in the first close's cancellation
                firstInClose.countDown();
                LoopContractSupport.until("the second thread waits in close()", () -> second.get() != null && waitsInClose(second.get()));
            });
            Thread t2 = new Thread(() -> {
                try {
                    firstInClose.await();
                    a.close();
                } catch (Throwable e) {
                    secondThrew.set(e);
                }
            }, "second-closer");
            second.set(t2);
            t2.start();
            // the first close: from a callback of loop B, on B's thread (a worker marked as B's under DEFAULT_DISPATCHER)
            Promise<Throwable> firstOutcome = b.createPromise();
            b.callSoon(() -> {
                try {
                    a.close();
                    firstOutcome.complete(null);
                } catch (Throwable e) {
                    firstOutcome.complete(e);
                }
            });
            Throwable firstThrew = b.runUntilComplete(firstOutcome);
            t2.join(30_000);
            if (t2.isAlive()) {
                wrong.add("round " + r + ": the second close() hung");
            } else {
                if (!(firstThrew instanceof IllegalStateException) || firstThrew instanceof CancellationException) {
                    wrong.add("round " + r + ": the first close did not fail as expected: " + firstThrew);
                }
                if (secondThrew.get() == null && !a.isClosed()) {
                    wrong.add("round " + r + ": the second close() returned normally, the loop is not closed (the first close threw "
                            + firstThrew + ")");
                }
            }
            if (!a.isClosed()) a.close();
            b.close();
            if (wrong.size() > wrongBefore) bad++;
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(3, wrong.size())), bad + " of " + rounds + " rounds wrong");
    }
}
