package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Promise;
import dev.aio4j.TimerHandle;
import dev.aio4j.samples.support.Pace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Sample 7: plain callbacks on the loop. {@link Loop#callSoon} with arguments (a Java lambda
 * captures them, where asyncio passes {@code *args}), {@link Loop#callLater} with several delays
 * (and one timer cancelled), and {@link Loop#callAt} against {@link Loop#time()}.
 *
 * <p>Shows: the {@code callSoon} callbacks run first, in the order they were scheduled, before
 * any {@code callLater} (even one with delay 0); timers run smaller delay first, never early;
 * {@code callAt} fires at its time on the loop's clock; a cancelled timer never runs; every
 * callback runs on the loop's thread, which here is the thread that called
 * {@link Async#runAsync}.
 */
public final class CallbacksOnTheLoop {
    private CallbacksOnTheLoop() {}

    /** A callback that ran: its label, when it was due and when it ran on the loop's clock, and where. */
    private record Ran(String label, Duration due, Duration at, Thread thread) {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("callSoon, callLater and callAt on one loop " + Pace.scaleNote());
        Thread caller = Thread.currentThread();
        List<Ran> ran = new ArrayList<>(); // touched by the loop's thread only
        int expected = 7;
        Duration[] start = new Duration[1];
        Duration[] callAtTime = new Duration[1];
        Async.runAsync(loop -> {
            // Called on the loop's thread: everything below is scheduled within one step.
            Promise<@Nullable Void> allRan = loop.createPromise();
            Duration t0 = loop.time();
            start[0] = t0;
            class Recorder {
                Runnable at(String label, Duration due) {
                    return () -> {
                        ran.add(new Ran(label, due, loop.time(), Thread.currentThread()));
                        if (ran.size() == expected) {
                            allRan.complete(null);
                        }
                    };
                }

                void greet(String name, int times) {
                    at("callSoon greet(" + name + ", " + times + ")", t0).run();
                }
            }
            Recorder record = new Recorder();
            for (double units : new double[] {0.75, 0.25, 0, 0.5}) {
                Duration delay = Pace.units(units);
                loop.callLater(delay, record.at("callLater(" + delay.toMillis() + " ms)", t0.plus(delay)));
            }
            TimerHandle cancelled = loop.callLater(Pace.units(0.5), record.at("the cancelled timer", t0.plus(Pace.units(0.5))));
            cancelled.cancel();
            Duration when = t0.plus(Pace.UNIT);
            callAtTime[0] = when;
            loop.callAt(when, record.at("callAt(time() + " + Pace.UNIT.toMillis() + " ms)", when));
            loop.callSoon(() -> record.greet("Ada", 1));
            loop.callSoon(() -> record.greet("Grace", 2));
            return Async.waitFor(allRan, Duration.ofSeconds(10));
        });

        for (Ran r : ran) {
            System.out.printf("  %-32s due at %4d ms, ran at %4d ms on %s%n", r.label(),
                    r.due().minus(start[0]).toMillis(), r.at().minus(start[0]).toMillis(), r.thread() == caller ? "the loop's thread" : r.thread());
        }
        List<String> expectedOrder = new ArrayList<>(List.of("callSoon greet(Ada, 1)", "callSoon greet(Grace, 2)"));
        for (double units : new double[] {0, 0.25, 0.5, 0.75}) {
            expectedOrder.add("callLater(" + Pace.units(units).toMillis() + " ms)");
        }
        expectedOrder.add("callAt(time() + " + Pace.UNIT.toMillis() + " ms)");
        checkEquals(expectedOrder, ran.stream().map(Ran::label).toList(),
                "callSoon first, in order; then the timers, smaller delay first; the cancelled one never");
        for (Ran r : ran) {
            check(r.thread() == caller, r.label() + " runs on the loop's thread, not " + r.thread());
            check(r.at().compareTo(r.due()) >= 0, r.label() + " does not run early");
        }
        Ran at = ran.get(ran.size() - 1);
        Duration late = at.at().minus(callAtTime[0]);
        checkTiming(late.compareTo(Pace.UNIT.dividedBy(2)) < 0, "callAt fires at its time: " + late.toMillis() + " ms late");
    }

    /**
     * Runs the sample on its own.
     *
     * @param args ignored
     * @throws Exception if a claim does not hold or the sample cannot run
     */
    public static void main(String[] args) throws Exception {
        run();
    }
}
