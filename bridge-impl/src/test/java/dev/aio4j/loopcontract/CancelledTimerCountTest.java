package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import dev.aio4j.TimerHandle;
import dev.aio4j.internal.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The loop's count of cancelled timers (asyncio's _timer_cancelled_count), by which it sweeps
 * cancelled timers out of its heap when they are more than half of it, must be the number of
 * cancelled timers in the heap, however the cancellations come: after the timer fired, twice from
 * two threads at once, or while it waits in the inbox as a sweep runs. A count too high makes
 * steps sweep for nothing; one too low (it went negative) leaves a heap full of cancelled timers
 * unswept. Read through an internal seam (EventLoop.cancelledTimerCounts) while no thread runs the
 * loop.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CancelledTimerCountTest {

    static Loop newLoop(LoopOptions.Threading t) {
        return Async.newLoop(LoopOptions.defaults().withThreading(t));
    }

    /** Runs the loop until a timer of {@code ms} has fired: every step before it has run. */
    static void runFor(Loop loop, long ms) {
        Promise<Void> p = loop.createPromise();
        loop.callLater(Duration.ofMillis(ms), () -> p.complete(null));
        loop.runUntilComplete(p);
    }

    /** "count N, N cancelled in the heap" */
    static String counts(Loop loop) {
        int[] c = ((EventLoop) loop).cancelledTimerCounts();
        return "count " + c[0] + ", " + c[1] + " cancelled in the heap";
    }

    static String expected(Loop loop) {
        int[] c = ((EventLoop) loop).cancelledTimerCounts();
        return "count " + c[1] + ", " + c[1] + " cancelled in the heap";
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void timersCancelledAfterTheyFiredAreNotCounted(LoopOptions.Threading t) {
        try (Loop loop = newLoop(t)) {
            List<TimerHandle> fired = new ArrayList<>();
            for (int i = 0; i < 200; i++) fired.add(loop.callLater(Duration.ZERO, () -> { }));
            runFor(loop, 1);
            for (TimerHandle h : fired) h.cancel(); // too late: they have run, and are out of the heap
            assertEquals(expected(loop), counts(loop));
        }
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void aTimerCancelledTwiceFromTwoThreadsAtOnceCountsOnce(LoopOptions.Threading t) throws Exception {
        int rounds = LoopContractSupport.rounds(20);
        List<String> bad = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            try (Loop loop = newLoop(t)) {
                List<TimerHandle> pending = new ArrayList<>();
                for (int i = 0; i < 2000; i++) pending.add(loop.callLater(Duration.ofHours(1), () -> { }));
                runFor(loop, 0); // now in the heap
                CyclicBarrier go = new CyclicBarrier(2);
                Runnable cancelAll = () -> {
                    try {
                        go.await(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    for (TimerHandle h : pending) h.cancel();
                };
                Thread other = new Thread(cancelAll);
                other.start();
                cancelAll.run();
                other.join();
                String got = counts(loop);
                if (!got.equals(expected(loop))) bad.add("round " + r + ": " + got);
            }
        }
        assertEquals(List.of(), bad.subList(0, Math.min(3, bad.size())), bad.size() + " of " + rounds + " rounds wrong");
    }

    /**
     * A step drains at most 65,536 items of the inbox: a timer cancelled while it still waits there
     * (behind a backlog of callSoon) when the step sweeps the heap must stay counted once it
     * reaches the heap (it was lost when the sweep reset the count, which then went to -1 when that
     * timer came due).
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void aTimerCancelledInTheInboxWhileASweepRunsStaysCounted(LoopOptions.Threading t) {
        try (Loop loop = newLoop(t)) {
            List<TimerHandle> swept = new ArrayList<>();
            for (int i = 0; i < 150; i++) swept.add(loop.callLater(Duration.ofHours(1), () -> { }));
            runFor(loop, 0);
            for (TimerHandle h : swept) h.cancel(); // more than 100 and than half the heap: the next step sweeps
            for (int i = 0; i < 65_536; i++) loop.callSoon(() -> { });
            TimerHandle late = loop.callLater(Duration.ofHours(1), () -> { }); // behind the backlog
            late.cancel();
            runFor(loop, 5);
            assertEquals(expected(loop), counts(loop), "with a cancelled timer that waited in the inbox during the sweep");
            TimerHandle soon = loop.callLater(Duration.ZERO, () -> { });
            soon.cancel();
            runFor(loop, 5); // it comes due, cancelled
            assertEquals(expected(loop), counts(loop), "once a cancelled timer came due");
        }
    }
}
