package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncExitStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An exit stack filled by enterAsync with openings of both kinds (a loop task, and a plain future
 * completed on another thread), whose enter tasks are cancelled and whose stack is closed at
 * random moments. The rules: a resource that arrives after its enter was cancelled, or after the
 * stack started closing, is closed; one that was pushed is closed by the stack; so every resource
 * opened is closed exactly once, and an enter task that succeeded pushed its resource.
 */
class ExitStackRaceTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 300);

    static final class Res implements AsyncCloseable {
        final AtomicInteger closes = new AtomicInteger();
        String kind = "";
        Task<?>[] opening;
        java.util.concurrent.atomic.AtomicBoolean closingStarted;
        boolean closingAtOpen;
        volatile Task<?> enter;
        @Override public CompletionStage<Void> closeAsync() {
            closes.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }
    }

    static long rnd(long max) { return ThreadLocalRandom.current().nextLong(0, max); }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void race(LoopOptions.Threading threading) throws Exception {
        List<String> failures = new ArrayList<>();
        AtomicInteger dropped = new AtomicInteger();
        Executor later = CompletableFuture.delayedExecutor(0, TimeUnit.MILLISECONDS);
        for (int round = 0; round < ROUNDS; round++) {
            List<Res> opened = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Task<Res>> enters = new ArrayList<>();
            List<CompletableFuture<Res>> plain = new ArrayList<>();
            String where = "round " + round;
            try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
                List<String> reported = new ArrayList<>();
                loop.setExceptionHandler((l, ctx) -> { synchronized (reported) { reported.add(ctx.message() + " " + ctx.exception()); } });
                AsyncExitStack[] stack = new AsyncExitStack[1];
                java.util.concurrent.atomic.AtomicBoolean closingStarted = new java.util.concurrent.atomic.AtomicBoolean();
                Task<Void> main = loop.createTaskAsync(() -> {
                    stack[0] = AsyncExitStack.create();
                    for (int k = 0; k < 6; k++) {
                        CompletionStage<Res> opening;
                        if (k % 2 == 0) {
                            Task<?>[] self = new Task<?>[1];
                            Task<Res> op = Async.sleepAsync(Duration.ofNanos(rnd(1_000_000))).thenApply(v -> { Res r = new Res(); r.kind = "task"; r.opening = self; r.closingStarted = closingStarted; opened.add(r); return r; });
                            self[0] = op;
                            // a derived task whose function ran as its cancellation came ends cancelled and
                            // drops the result (Task's rule, asyncio's too): the opener closes what it made then
                            op.whenComplete((r0, e0) -> {
                                if (e0 == null) return;
                                synchronized (opened) { for (Res r : opened) if (r.opening == self) { dropped.incrementAndGet(); r.closeAsync(); } }
                            });
                            opening = op;
                        } else {
                            CompletableFuture<Res> f = new CompletableFuture<>();
                            long delay = rnd(1_000_000);
                            CompletableFuture<Res> delivered = new CompletableFuture<>();
                            CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS).execute(() -> {
                                Res r = new Res();
                                r.kind = "plain"; r.closingStarted = closingStarted;
                                // a future cancelled by the enter's cancellation takes nothing: the opener keeps it
                                if (f.complete(r)) opened.add(r);
                                delivered.complete(r);
                            });
                            plain.add(delivered);
                            opening = f;
                        }
                        Task<Res> e = stack[0].enterAsync(opening);
                        enters.add(e);
                        if (ThreadLocalRandom.current().nextBoolean()) {
                            if (ThreadLocalRandom.current().nextBoolean()) loop.callLater(Duration.ofNanos(rnd(1_000_000)), e::cancel);
                            else later.execute(e::cancel);
                        }
                    }
                    CompletableFuture<Void> closed = new CompletableFuture<>();
                    loop.callLater(Duration.ofNanos(rnd(1_200_000)), () -> {
                        closingStarted.set(true);
                        CompletionStage<Void> closing = stack[0].closeAsync();
                        closing.whenComplete((v, x) -> { if (x == null) closed.complete(null); else closed.completeExceptionally(x); });
                    });
                    return Async.gatherOutcomes(enters).thenCompose(v -> closed);
                });
                try {
                    loop.runUntilComplete(main);
                } catch (Throwable t) {
                    failures.add(where + ": run threw " + t);
                    continue;
                }
                // the plain openings complete on another thread: wait for them, then for their closes
                for (CompletableFuture<Res> f : plain) f.get(5, TimeUnit.SECONDS);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (System.nanoTime() < end) {
                    boolean all = true;
                    synchronized (opened) { for (Res r : opened) if (r.closes.get() == 0) all = false; }
                    if (all) break;
                    loop.runUntilComplete(loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(1))));
                }
                synchronized (opened) {
                    for (Res r : opened) if (r.closes.get() != 1) failures.add(where + ": a resource (" + r.kind + (r.opening != null ? ", opening " + r.opening[0].state() : "") + ") closed " + r.closes.get() + " times; enters " + enters.stream().map(Task::state).toList());
                    if (opened.size() > 6) failures.add(where + ": opened " + opened.size());
                }
                for (Task<Res> e : enters) {
                    if (!e.isDone()) failures.add(where + ": an enter is pending");
                }
                synchronized (reported) { if (!reported.isEmpty()) failures.add(where + ": reported " + reported); }
            }
        }
        System.out.println(threading + ": opened resources dropped by a cancelled opening " + dropped + ", failures " + failures.size() + "/" + ROUNDS);
        if (!failures.isEmpty()) fail(failures.size() + " failures in " + ROUNDS + " rounds; first: " + failures.subList(0, Math.min(5, failures.size())));
    }
}
