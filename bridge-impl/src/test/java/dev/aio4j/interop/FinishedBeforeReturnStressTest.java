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
