package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A timeout around a task group whose one task fails at about the deadline while another sleeps
 * long (asyncio 3.12: the group's errors win over the cancellation, so the timeout, seeing no
 * CancelledError, does not convert): the outcome is the task's exception, the same instance, if
 * and only if the task threw it; otherwise AsyncTimeoutException. Never a bare cancellation,
 * never a lost failure, and the sleeping task is always finished.
 */
class GroupTimeoutRaceTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 300);

    static final class Boom extends RuntimeException {
        Boom() { super("boom", null, false, false); }
    }

    @ParameterizedTest
    @CsvSource({"SINGLE_THREAD,false", "SINGLE_THREAD,true", "DEFAULT_DISPATCHER,false", "DEFAULT_DISPATCHER,true"})
    void race(LoopOptions.Threading threading, boolean async) {
        List<String> failures = new ArrayList<>();
        int booms = 0, timeouts = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Boom boom = new Boom();
            AtomicBoolean threw = new AtomicBoolean();
            Task<?>[] sleeper = new Task<?>[1];
            long failAt = ThreadLocalRandom.current().nextLong(0, 2_000_000);
            long deadline = ThreadLocalRandom.current().nextLong(0, 2_000_000);
            String where = "round " + round + " fail at " + failAt / 1000 + "us deadline " + deadline / 1000 + "us";
            Throwable outcome = null;
            try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
                List<String> reported = new ArrayList<>();
                loop.setExceptionHandler((l, ctx) -> { synchronized (reported) { reported.add(ctx.message() + " " + ctx.exception()); } });
                Task<Object> main;
                if (async) {
                    main = loop.createTaskAsync(() -> Async.timeoutAsync(Duration.ofNanos(deadline), () -> Async.taskGroupAsync(g -> {
                        sleeper[0] = g.createTaskAsync(() -> Async.sleepAsync(Duration.ofSeconds(30)));
                        g.createTaskAsync(() -> Async.sleepAsync(Duration.ofNanos(failAt)).thenApply(v -> {
                            threw.set(true);
                            throw boom;
                        }));
                        return CompletableFuture.completedFuture((Object) "done");
                    })));
                } else {
                    main = loop.createTask(() -> Async.timeout(Duration.ofNanos(deadline), () -> Async.taskGroup(g -> {
                        sleeper[0] = g.createTask(() -> Async.sleep(Duration.ofSeconds(30)));
                        g.createTask(() -> {
                            Async.sleep(Duration.ofNanos(failAt));
                            threw.set(true);
                            throw boom;
                        });
                        return (Object) "done";
                    })));
                }
                try {
                    loop.runUntilComplete(main);
                    failures.add(where + ": returned normally");
                } catch (Throwable t) {
                    outcome = t;
                }
                synchronized (reported) { if (!reported.isEmpty()) failures.add(where + ": reported " + reported); }
            }
            if (outcome == boom) {
                booms++;
                if (!threw.get()) failures.add(where + ": boom without a throw?");
            } else if (outcome instanceof AsyncTimeoutException) {
                timeouts++;
                if (threw.get()) failures.add(where + ": the task threw its failure but the group's outcome is a timeout (failure lost)");
            } else if (outcome != null) {
                failures.add(where + ": unexpected " + outcome + (threw.get() ? " (boom was thrown)" : ""));
            }
            if (sleeper[0] != null && !sleeper[0].isDone()) failures.add(where + ": the sleeper is still running");
        }
        System.out.println(threading + " async=" + async + ": booms " + booms + " timeouts " + timeouts + " failures " + failures.size() + "/" + ROUNDS);
        if (!failures.isEmpty()) fail(failures.size() + " of " + ROUNDS + " rounds failed; first: " + failures.subList(0, Math.min(5, failures.size())));
    }
}
