package dev.aio4j.interop;

import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.TaskFailedException;
import dev.aio4j.kotlin.Suspend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The moment a waiting construct gives up on Kotlin work (waitFor's timeout, Async.timeout around
 * Suspend.join, a task group whose child failed, a cancelled join), the Kotlin function's finally
 * blocks have run already: checked right when the exception arrives, with no waiting.
 */
class FinishedBeforeReturnStressTest {
    static final int ROUNDS = Integer.getInteger("mixed.rounds", 150);

    /** Kotlin on Dispatchers.Default awaits a Java task running Kotlin code, under withTimeout: when await throws, the task has finished. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void kotlinAwaitEndsAfterTheTaskFinished(LoopOptions.Threading t) {
        List<String> failures = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> f = new ArrayList<>();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            MixedService svc = new MixedService();
            int how = r.nextInt(3);
            long ms = 1 + r.nextInt(4);
            boolean viaDeferred = r.nextBoolean();
            try {
                Async.run(LoopOptions.defaults().withThreading(t), loop -> {
                    Task<Integer> task = switch (how) {
                        case 0 -> Suspend.call(c -> svc.fanOut(3, 2, -1, c));
                        case 1 -> loop.createTask(() -> Suspend.<Integer>join(c -> svc.fanOut(3, 2, -1, c)));
                        default -> loop.createTaskAsync(() -> Suspend.<Integer>call(c -> svc.twoChildren(5, c)));
                    };
                    Async.sleep(Duration.ZERO);
                    Throwable e = svc.awaitOnDefault(task, ms, viaDeferred);
                    if (e != null && !(e instanceof kotlinx.coroutines.TimeoutCancellationException)) f.add("how " + how + " deferred " + viaDeferred + " got " + e);
                    if (!viaDeferred) {
                        // await: the task has finished when the await ends
                        if (!task.isDone()) f.add("how " + how + " task not done when await threw");
                        if (svc.getStarted().get() != svc.getFinallies().get()) f.add("how " + how + " started " + svc.getStarted() + " finallies " + svc.getFinallies());
                    }
                    try { task.join(Duration.ofSeconds(5)); } catch (Throwable ignored) { }
                    if (svc.getStarted().get() != svc.getFinallies().get()) f.add("how " + how + " deferred " + viaDeferred + " after join: started " + svc.getStarted() + " finallies " + svc.getFinallies());
                    if (e != null && !task.isCancelled() && !(task.isDone() && task.outcomeNow() instanceof dev.aio4j.Outcome.Success)) f.add("how " + how + " task " + task);
                    return null;
                });
            } catch (Throwable e) {
                f.add("run threw " + e);
            }
            if (!f.isEmpty()) failures.add("round " + round + ": " + f);
        }
        if (!failures.isEmpty()) fail(t + ": " + failures.size() + " of " + ROUNDS + " failed; first " + failures.get(0) + "\nlast " + failures.get(failures.size() - 1));
    }

    /**
     * A Flow read as a java.util.stream in a blocking task, limit(k): left unclosed, or over map()
     * and closed by try-with-resources; the flow's finally has run by the time the task is done.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void unclosedStreamOfAFlowClosedWhenTheTaskEnds(LoopOptions.Threading t) {
        List<String> failures = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> f = new ArrayList<>();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            MixedService svc = new MixedService();
            int k = r.nextInt(20);
            boolean callbacks = r.nextBoolean();
            boolean mapped = r.nextBoolean();
            try {
                Async.run(LoopOptions.defaults().withThreading(t), loop -> {
                    var flow = callbacks ? svc.callbacks(1_000_000, -1) : svc.numbers(1_000_000, -1, 3);
                    var it = dev.aio4j.kotlin.Flows.asAsyncIterable(flow);
                    var source = mapped ? it.map(x -> x + 1) : it;
                    // a Flow's own view left open is closed when the body returns (Flows.asAsyncIterable);
                    // a view over map() of it is a generator walk: closed by try-with-resources (else at the loop's close)
                    List<Integer> got = loop.createTask(() -> {
                        if (!mapped) return source.stream().limit(k).toList();
                        try (var stream = source.stream()) {
                            return stream.limit(k).toList();
                        }
                    }).join();
                    if (got.size() != k) f.add("got " + got.size() + " of " + k);
                    for (int i = 0; i < got.size(); i++) if (got.get(i) != i + (mapped ? 1 : 0)) { f.add("item " + i + " is " + got.get(i)); break; }
                    if (svc.getStarted().get() != svc.getFinallies().get()) {
                        long pending = loop.allTasks().stream().filter(x -> !x.isDone() && x != Async.currentTask()).count();
                        long deadline = System.nanoTime() + 1_000_000_000L;
                        while (svc.getStarted().get() != svc.getFinallies().get() && System.nanoTime() < deadline) Async.sleep(Duration.ofMillis(1));
                        f.add("callbacks " + callbacks + " mapped " + mapped + " k " + k + ": started " + svc.getStarted() + " finallies " + svc.getFinallies() + " when the task was done, pending tasks " + pending + "; 1 s later finallies " + svc.getFinallies());
                    }
                    return null;
                });
                if (svc.getStarted().get() != svc.getFinallies().get()) f.add("after Async.run: finallies " + svc.getFinallies());
            } catch (Throwable e) {
                f.add("run threw " + e);
            }
            if (!f.isEmpty()) failures.add("round " + round + ": " + f);
        }
        var kinds = new java.util.TreeMap<String, Integer>();
        for (String x : failures) kinds.merge(x.replaceAll(".*\\[(callbacks \\w+ mapped \\w+).*", "$1"), 1, Integer::sum);
        if (!failures.isEmpty()) fail(t + ": " + failures.size() + " of " + ROUNDS + " failed " + kinds + "; first " + failures.get(0) + "\nlast " + failures.get(failures.size() - 1));
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void kotlinFinallyRanWhenTheJavaWaitEnds(LoopOptions.Threading t) {
        List<String> failures = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> f = new ArrayList<>();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            MixedService svc = new MixedService();
            int how = r.nextInt(8);
            long ms = r.nextInt(4);
            try {
                Async.run(LoopOptions.defaults().withThreading(t), loop -> {
                    try {
                        switch (how) {
                            case 0 -> Async.waitFor(Suspend.<Integer>call(c -> svc.fanOut(3, 2, -1, c)), Duration.ofMillis(ms)).join();
                            case 1 -> Async.timeout(Duration.ofMillis(ms), () -> Suspend.<Integer>join(c -> svc.fanOut(3, 2, -1, c)));
                            case 2 -> Async.taskGroup(g -> {
                                g.createTask(() -> Suspend.<Integer>join(c -> svc.fanOut(3, 2, -1, c)));
                                g.createTaskAsync(() -> Suspend.<Integer>call(c -> svc.twoChildren(5, c)));
                                g.createTask(() -> { Async.sleep(Duration.ofMillis(ms)); throw new ServiceFailure("java child"); });
                            });
                            case 3 -> Async.timeout(Duration.ofMillis(ms), () -> Suspend.<Integer>call(c -> svc.fanOut(3, 2, -1, c)).join());
                            case 4 -> Async.waitFor(loop.createTask(() -> Suspend.<String>join(c -> svc.timed(100, 50, c))), Duration.ofMillis(ms)).join();
                            case 6 -> Async.taskGroup(g -> {
                                g.createTask(() -> {
                                    try (var view = dev.aio4j.kotlin.Flows.asAsyncIterable(svc.numbers(1_000_000, -1, 5)).blocking()) {
                                        for (int x : view) if (x < 0) break;
                                    }
                                    return null;
                                });
                                g.createTask(() -> dev.aio4j.kotlin.Flows.asAsyncIterable(svc.callbacks(1_000_000, -1)).forEach(x -> {}).join());
                                g.createTask(() -> { Async.sleep(Duration.ofMillis(ms)); throw new ServiceFailure("java child"); });
                            });
                            case 7 -> Async.timeout(Duration.ofMillis(ms), () -> {
                                try (var view = dev.aio4j.kotlin.Flows.asAsyncIterable(svc.numbers(1_000_000, -1, 5)).blocking()) {
                                    for (int x : view) if (x < 0) break;
                                }
                                return null;
                            });
                            default -> Async.timeoutAsync(Duration.ofMillis(ms), () -> Suspend.<Integer>call(c -> svc.twoChildren(50, c))).join();
                        }
                    } catch (AsyncTimeoutException | ServiceFailure e) {
                        // expected
                    } catch (Throwable e) {
                        Throwable c = e instanceof TaskFailedException && e.getCause() != null ? e.getCause() : e;
                        if (!(c instanceof AsyncTimeoutException)) f.add("how " + how + " ms " + ms + " unexpected " + e);
                    }
                    int started = svc.getStarted().get();
                    int finallies = svc.getFinallies().get();
                    if (started != finallies) f.add("how " + how + " ms " + ms + ": started " + started + " but finallies " + finallies + " when the wait ended");
                    return null;
                });
            } catch (Throwable e) {
                f.add("run threw " + e);
            }
            if (!f.isEmpty()) failures.add("round " + round + ": " + f);
        }
        if (!failures.isEmpty()) fail(t + ": " + failures.size() + " of " + ROUNDS + " failed; first " + failures.get(0) + "\nlast " + failures.get(failures.size() - 1));
    }
}
