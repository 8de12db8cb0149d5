package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.ExceptionContext;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Loop.close: "No task is left pending or running when it returns, and none of the loop's
 * callbacks runs (under DEFAULT_DISPATCHER too)"; Loop.execute: an accepted command "runs in one
 * of the closing's steps". Senders on other threads keep calling execute, callSoon, callLater and
 * callExceptionHandler while the loop closes; each callback records whether it ran after close()
 * had returned. Rounds: -Dloopcontract.rounds.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NothingRunsAfterCloseTest {

    static Void slowToCancel() {
        try {
            Async.sleep(Duration.ofMinutes(1));
        } catch (CancellationException e) {
            long end = System.nanoTime() + 5_000_000L;
            while (System.nanoTime() < end) Thread.onSpinWait();
        }
        return null;
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void noCallbackRunsAfterCloseReturns(LoopOptions.Threading threading) throws Exception {
        int rounds = LoopContractSupport.rounds(60);
        int late = 0;
        int lostAccepted = 0;
        String detail = "";
        for (int r = 0; r < rounds; r++) {
            Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            AtomicBoolean closeReturned = new AtomicBoolean();
            AtomicInteger ranLate = new AtomicInteger();
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger acceptedRan = new AtomicInteger();
            loop.setExceptionHandler((l, c) -> { // on a closed loop it runs on the caller: not "late"
                if (c.message().equals("accepted")) acceptedRan.incrementAndGet();
            });
            for (int i = 0; i < 2; i++) loop.createTask(NothingRunsAfterCloseTest::slowToCancel);
            Runnable probe = () -> {
                if (closeReturned.get()) ranLate.incrementAndGet();
            };
            Runnable acceptedProbe = () -> {
                if (closeReturned.get()) ranLate.incrementAndGet();
                acceptedRan.incrementAndGet();
            };
            AtomicBoolean go = new AtomicBoolean(true);
            CountDownLatch started = new CountDownLatch(3);
            List<Thread> senders = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                int kind = k;
                Thread t = new Thread(() -> {
                    started.countDown();
                    int i = 0;
                    while (go.get()) {
                        LockSupport.parkNanos(10_000);
                        try {
                            switch (kind) {
                                case 0 -> {
                                    loop.execute(acceptedProbe);
                                    accepted.incrementAndGet();
                                }
                                case 1 -> {
                                    if ((i++ & 1) == 0) loop.callSoon(probe);
                                    else loop.callLater(Duration.ZERO, probe);
                                }
                                default -> {
                                    if (!loop.isClosed()) {
                                        loop.callExceptionHandler(new ExceptionContext("accepted", null, null));
                                        accepted.incrementAndGet();
                                    }
                                }
                            }
                        } catch (RejectedExecutionException | IllegalStateException e) {
                            return;
                        }
                    }
                });
                t.start();
                senders.add(t);
            }
            started.await();
            Thread.sleep(1);
            loop.close();
            closeReturned.set(true);
            go.set(false);
            for (Thread t : senders) t.join(10_000);
            Thread.sleep(5);
            if (ranLate.get() > 0) {
                late++;
                detail = ranLate.get() + " callbacks ran after close() returned";
            }
            if (acceptedRan.get() != accepted.get()) {
                lostAccepted++;
                detail = "accepted " + accepted.get() + ", ran " + acceptedRan.get();
            }
        }
        assertEquals(0, late + lostAccepted, late + " late and " + lostAccepted + " lost of " + rounds + " rounds: " + detail);
    }
}
