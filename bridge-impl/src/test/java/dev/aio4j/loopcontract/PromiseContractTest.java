package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Outcome;
import dev.aio4j.Promise;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Promise (loop.create_future()): completion races and the return values, past PromiseTest / PromiseRaceTest. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PromiseContractTest {

    /** fail(CancellationException) cancels the promise, and says so: it is this call that completed it. */
    @Test
    void failWithACancellationCancelsAndReturnsTrue() {
        Loop loop = Async.newLoop();
        try {
            Promise<String> p = loop.createPromise();
            CancellationException ce = new CancellationException("by fail");
            assertTrue(p.fail(ce), "fail(CancellationException) completed the promise but returned false");
            assertTrue(p.isCancelled());
            assertFalse(p.complete("late"));
            assertFalse(p.fail(new RuntimeException()));
            assertFalse(p.cancel());
            Outcome<String> o = p.outcomeNow();
            assertTrue(o instanceof Outcome.Cancelled, String.valueOf(o));
        } finally {
            loop.close();
        }
    }

    /** complete / fail / cancel from four threads at once: exactly one reports success, and it is the outcome. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void exactlyOneOfFourRacingCompletionsWins(LoopOptions.Threading threading) throws Exception {
        int rounds = LoopContractSupport.rounds(1_000);
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        loop.setExceptionHandler((l, c) -> { });
        try {
            List<String> wrong = new ArrayList<>();
            CyclicBarrier barrier = new CyclicBarrier(4);
            for (int r = 0; r < rounds && wrong.size() < 5; r++) {
                Promise<String> p = loop.createPromise();
                RuntimeException failure = new RuntimeException("f" + r);
                CancellationException ce = new CancellationException("c" + r);
                boolean[] won = new boolean[4];
                Thread[] ts = new Thread[4];
                for (int k = 0; k < 4; k++) {
                    int who = k;
                    ts[k] = new Thread(() -> {
                        try {
                            barrier.await();
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                        won[who] = switch (who) {
                            case 0 -> p.complete("v");
                            case 1 -> p.fail(failure);
                            case 2 -> p.cancel();
                            default -> p.fail(ce);
                        };
                    });
                    ts[k].start();
                }
                for (Thread t : ts) t.join();
                int winners = 0;
                for (boolean w : won) if (w) winners++;
                Outcome<String> o = p.outcomeNow();
                boolean consistent = winners == 1
                        && (won[0] ? o instanceof Outcome.Success<String> s && "v".equals(s.value())
                        : won[1] ? o instanceof Outcome.Failure<String> f && f.exception() == failure
                        : o instanceof Outcome.Cancelled<String>);
                if (!consistent) {
                    wrong.add("round " + r + ": complete=" + won[0] + " fail=" + won[1] + " cancel=" + won[2] + " fail(CE)=" + won[3] + " -> " + o);
                }
            }
            assertEquals(List.of(), wrong);
        } finally {
            loop.close();
        }
    }

    /** A plain thread parked in join() is woken by a completion from another thread while no thread runs the loop. */
    @Test
    void aJoinOffTheLoopIsWokenWithoutAnyoneRunningTheLoop() throws Exception {
        Loop loop = Async.newLoop();
        try {
            Promise<String> p = loop.createPromise();
            AtomicReference<Object> got = new AtomicReference<>();
            CountDownLatch joined = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                joined.countDown();
                try {
                    got.set(p.join());
                } catch (Throwable e) {
                    got.set(e);
                }
            });
            waiter.start();
            joined.await();
            LoopContractSupport.sleepMs(20);
            assertTrue(p.complete("v"));
            waiter.join(5_000);
            assertFalse(waiter.isAlive(), "join() waits for a run of the loop");
            assertEquals("v", got.get());
        } finally {
            loop.close();
        }
    }

    /** Done callbacks of a promise completed while no thread runs the loop run once, in order, at the next run (or at the close). */
    @Test
    void doneCallbacksOfAPromiseCompletedWhileIdleRunOnceAtTheNextRunOrClose() throws Exception {
        for (boolean runAgain : new boolean[] {true, false}) {
            Loop loop = Async.newLoop();
            List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
            Promise<String> p = loop.createPromise();
            p.addDoneCallback(t -> log.add("a:" + t.resultNow()));
            p.addDoneCallback(t -> log.add("b"));
            Thread t = new Thread(() -> p.complete("v"));
            t.start();
            t.join();
            LoopContractSupport.sleepMs(20);
            assertEquals(List.of(), log, "a done callback ran while no thread ran the loop");
            if (runAgain) loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(5))));
            loop.close();
            assertEquals(List.of("a:v", "b"), log, runAgain ? "at the next run" : "at the close");
        }
    }

    /** A promise pending at the loop's close ends cancelled; completing it afterwards says false. */
    @Test
    void aPromisePendingAtCloseIsCancelledAndLaterCompletionsLose() {
        Loop loop = Async.newLoop();
        Promise<String> p = loop.createPromise();
        loop.close();
        assertEquals(TaskState.CANCELLED, p.state());
        assertFalse(p.complete("v"));
        assertFalse(p.fail(new RuntimeException()));
        assertThrows(CancellationException.class, p::join);
    }
}
