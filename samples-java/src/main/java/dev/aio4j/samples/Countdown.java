package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.samples.support.Pace;
import dev.aio4j.samples.support.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Sample 4: two countdowns on one loop, A from 2 and B from 3, one unit a step; once as
 * blocking-style tasks that call {@link Async#sleep}, once as non-blocking tasks that chain
 * {@link Async#sleepAsync} with {@code thenComposeAsync}.
 *
 * <p>Shows: the lines of A and B interleave (on the single-threaded loop, deterministically
 * {@code A2 B3 A1 B2 B1}); the total ≈ 3 units, the longer countdown, not 2 + 3.
 */
public final class Countdown {
    private Countdown() {}

    /** One printed line: who counted what, at which time of the loop's clock. */
    private record Line(String name, int n, Duration at) {
        @Override
        public String toString() {
            return name + n;
        }
    }

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Two countdowns on one loop, A from 2 and B from 3, 1 s a step " + Pace.scaleNote());
        Async.run(loop -> {
            // Blocking style: each countdown runs on its own (virtual) thread and sleeps there.
            List<Line> blocking = Collections.synchronizedList(new ArrayList<>());
            Duration blockingTime = Timing.time(() -> {
                Task<@Nullable Void> a = loop.createTask(() -> countdown("A", 2, loop, blocking));
                Task<@Nullable Void> b = loop.createTask(() -> countdown("B", 3, loop, blocking));
                Async.gather(a, b).join();
            });
            System.out.printf("  blocking-style tasks: %s in %d ms%n", blocking, blockingTime.toMillis());
            checkCountdowns("blocking-style", blocking, blockingTime);

            // Non-blocking style: no thread waits; each step is a callback on the loop's thread.
            List<Line> nonBlocking = Collections.synchronizedList(new ArrayList<>());
            Duration nonBlockingTime = Timing.time(() -> {
                Task<@Nullable Void> a = loop.createTaskAsync(() -> countdownAsync("A", 2, loop, nonBlocking));
                Task<@Nullable Void> b = loop.createTaskAsync(() -> countdownAsync("B", 3, loop, nonBlocking));
                Async.gather(a, b).join();
            });
            System.out.printf("  non-blocking tasks:   %s in %d ms%n", nonBlocking, nonBlockingTime.toMillis());
            checkCountdowns("non-blocking", nonBlocking, nonBlockingTime);
            checkEquals("[A2, B3, A1, B2, B1]", nonBlocking.toString(), "on the single-threaded loop the order is fixed");
            return null;
        });
    }

    private static @Nullable Void countdown(String name, int from, Loop loop, List<Line> lines) {
        for (int n = from; n > 0; n--) {
            lines.add(new Line(name, n, loop.time()));
            Async.sleep(Pace.UNIT);
        }
        return null;
    }

    private static CompletionStage<@Nullable Void> countdownAsync(String name, int n, Loop loop, List<Line> lines) {
        if (n == 0) {
            return CompletableFuture.completedFuture(null);
        }
        lines.add(new Line(name, n, loop.time()));
        return Async.sleepAsync(Pace.UNIT).thenComposeAsync(ignored -> countdownAsync(name, n - 1, loop, lines));
    }

    private static void checkCountdowns(String style, List<Line> lines, Duration total) {
        List<Line> snapshot = List.copyOf(lines);
        List<String> names = snapshot.stream().map(Line::name).toList();
        checkEquals(5, snapshot.size(), style + ": A prints 2 lines and B 3");
        check(names.indexOf("B") < names.lastIndexOf("A"), style + ": the lines interleave (B starts before A ends): " + snapshot);
        Duration start = snapshot.stream().map(Line::at).min(Duration::compareTo).orElseThrow();
        for (Line line : snapshot) {
            int step = line.name().equals("A") ? 2 - line.n() : 3 - line.n();
            Duration expected = Pace.UNIT.multipliedBy(step);
            Duration late = line.at().minus(start).minus(expected);
            check(!late.isNegative(), style + ": " + line + " is not early: " + late.toMillis() + " ms");
            checkTiming(late.compareTo(Pace.UNIT.dividedBy(2)) < 0, style + ": " + line + " comes at step " + step + ", within half a unit: "
                    + late.toMillis() + " ms late");
        }
        long unit = Pace.UNIT.toMillis();
        checkTiming(total.toMillis() >= 3 * unit * 9 / 10 && total.toMillis() < 4 * unit,
                style + ": total ~ 3 units (" + 3 * unit + " ms), not 5: took " + total.toMillis() + " ms");
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
