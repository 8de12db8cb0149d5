package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.samples.support.Pace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Sample 10: phases. Step 1 (1 unit) and step 2 (¾ unit) run in parallel under
 * {@link Async#gather}; step 3 runs after both, with their results. Written twice: with
 * blocking-style tasks awaited by the main task, and as one non-blocking task that composes the
 * gather with {@code thenApplyAsync}.
 *
 * <p>Shows: both steps start before either ends; step 3 starts only after both have ended, at
 * ≈ 1 unit (the longer step), not 1¾; the results come in argument order (step 1's first) though
 * step 2 ends first.
 */
public final class GatherPhases {
    private GatherPhases() {}

    private static final Duration STEP1 = Pace.UNIT;
    private static final Duration STEP2 = Pace.units(0.75);

    /** What happened, when on the loop's clock. */
    private record Event(String what, Duration at) {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Steps 1 and 2 in parallel with gather, step 3 after both " + Pace.scaleNote());
        Async.run(loop -> {
            // Blocking style: the main task awaits the gather, then runs step 3 itself.
            List<Event> blocking = Collections.synchronizedList(new ArrayList<>());
            Duration start = loop.time();
            Task<String> step1 = loop.createTask(() -> step(loop, blocking, "step 1", STEP1));
            Task<String> step2 = loop.createTask(() -> step(loop, blocking, "step 2", STEP2));
            String blockingResult = step3(loop, blocking, Async.gather(step1, step2).join());
            report("blocking-style", blocking, start, blockingResult);

            // Non-blocking style: one task whose body composes the phases; no thread waits.
            List<Event> nonBlocking = Collections.synchronizedList(new ArrayList<>());
            Duration start2 = loop.time();
            String nonBlockingResult = loop.createTaskAsync(() -> Async.gather(
                            loop.createTaskAsync(() -> stepAsync(loop, nonBlocking, "step 1", STEP1)),
                            loop.createTaskAsync(() -> stepAsync(loop, nonBlocking, "step 2", STEP2)))
                    .thenApplyAsync(results -> step3(loop, nonBlocking, results)))
                    .join();
            report("non-blocking", nonBlocking, start2, nonBlockingResult);
            return null;
        });
    }

    private static String step(Loop loop, List<Event> events, String name, Duration takes) {
        events.add(new Event(name + " starts", loop.time()));
        Async.sleep(takes);
        events.add(new Event(name + " ends", loop.time()));
        return name + " result";
    }

    private static CompletionStage<String> stepAsync(Loop loop, List<Event> events, String name, Duration takes) {
        events.add(new Event(name + " starts", loop.time()));
        return Async.sleepAsync(takes).thenApply(ignored -> {
            events.add(new Event(name + " ends", loop.time()));
            return name + " result";
        });
    }

    private static String step3(Loop loop, List<Event> events, List<String> results) {
        events.add(new Event("step 3 starts with " + results, loop.time()));
        return "step 3 done with " + String.join(" + ", results);
    }

    private static void report(String style, List<Event> events, Duration start, String result) {
        List<Event> snapshot = List.copyOf(events);
        System.out.printf("  %s:%n", style);
        for (Event e : snapshot) {
            System.out.printf("    %4d ms  %s%n", e.at().minus(start).toMillis(), e.what());
        }
        List<String> order = snapshot.stream().map(Event::what).toList();
        checkEquals(5, order.size(), style + ": five events");
        // the steps' ends are a quarter of a unit apart, and blocking-style steps run on threads of their own: timing claims
        checkTiming(Set.of("step 1 starts", "step 2 starts").equals(Set.copyOf(order.subList(0, 2))),
                style + ": both steps start before either ends: " + order);
        checkTiming(List.of("step 2 ends", "step 1 ends", "step 3 starts with [step 1 result, step 2 result]").equals(order.subList(2, 5)),
                style + ": step 3 comes after both, with the results in argument order though step 2 ended first: " + order);
        checkEquals("step 3 done with step 1 result + step 2 result", result, style + ": the result of step 3");
        Duration step3At = snapshot.get(4).at().minus(start);
        Duration parallel = STEP1;
        Duration serial = STEP1.plus(STEP2);
        check(step3At.compareTo(parallel) >= 0 && step3At.multipliedBy(20).compareTo(serial.multipliedBy(17)) < 0,
                style + ": step 3 starts at ~ the longer step (" + parallel.toMillis() + " ms), not the sum (" + serial.toMillis()
                        + " ms): at " + step3At.toMillis() + " ms");
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
