package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.checkEquals;

import dev.aio4j.Async;
import dev.aio4j.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Sample 5: the greenlet example. Two non-blocking tasks on the single-threaded loop each print a
 * number, yield with {@code Async.sleepAsync(Duration.ZERO)} (asyncio's {@code await sleep(0)}),
 * and print another.
 *
 * <p>Shows: the output is {@code 1 3 2 4}, every time: the yield hands the loop to the other
 * task, and nothing else decides the order, since one thread runs both. Without the yield each
 * task runs to its end: {@code 1 2 3 4}.
 */
public final class CooperativeSwitch {
    private CooperativeSwitch() {}

    private static final int RUNS = 20;

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Two tasks on the single-threaded loop, yielding with sleepAsync(0) between prints");
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            outputs.add(once(true));
        }
        String withoutYield = once(false);
        System.out.printf("  with the yield:    %s (the same in %d of %d runs, each on a new loop)%n",
                outputs.get(0), outputs.stream().filter(outputs.get(0)::equals).count(), RUNS);
        System.out.printf("  without the yield: %s%n", withoutYield);
        checkEquals(List.of("1 3 2 4"), outputs.stream().distinct().toList(), "every run prints 1 3 2 4");
        checkEquals("1 2 3 4", withoutYield, "without the yield each task runs to its end");
    }

    /** One run on a new loop; returns what the two tasks printed. */
    private static String once(boolean yield) {
        List<Integer> printed = new ArrayList<>(); // touched by the loop's thread only
        Async.runAsync(loop -> {
            // runAsync calls this on the loop's thread: both tasks are scheduled in the same step.
            Task<@Nullable Void> first = loop.createTaskAsync(() -> {
                printed.add(1);
                return pause(yield).thenRun(() -> printed.add(2));
            });
            Task<@Nullable Void> second = loop.createTaskAsync(() -> {
                printed.add(3);
                return pause(yield).thenRun(() -> printed.add(4));
            });
            return Async.gather(first, second);
        });
        return printed.stream().map(String::valueOf).collect(Collectors.joining(" "));
    }

    private static CompletionStage<@Nullable Void> pause(boolean yield) {
        return yield ? Async.sleepAsync(Duration.ZERO) : CompletableFuture.completedFuture(null);
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
