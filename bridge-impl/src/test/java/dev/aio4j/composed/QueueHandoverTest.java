package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Done;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.ReturnWhen;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Queue gets behind waitFor, timeoutAsync, wait(FIRST_COMPLETED) and gather-under-waitFor with
 * deadlines about as long as the producer's pauses, so that gets are served at the moment they
 * time out. The rule (Task: a served lock/semaphore/queue task's result wins over the
 * cancellation): no item is lost. Every item put is either still in the queue or the result of
 * exactly one get that succeeded, and whenever a combinator reports a timeout or a cancellation,
 * none of its gets succeeded unseen by the consumer.
 */
class QueueHandoverTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 15);
    static final int ITEMS = 200;

    @ParameterizedTest
    @CsvSource({"SINGLE_THREAD,false", "SINGLE_THREAD,true", "DEFAULT_DISPATCHER,false", "DEFAULT_DISPATCHER,true"})
    void handover(LoopOptions.Threading threading, boolean blockingConsumer) {
        List<String> failures = new ArrayList<>();
        int timeouts = 0;
        for (int round = 0; round < ROUNDS; round++) {
            AsyncQueue<Integer> q = AsyncQueue.create(2);
            List<Task<Integer>> gets = java.util.Collections.synchronizedList(new ArrayList<>());
            Map<Integer, Integer> received = new ConcurrentHashMap<>();
            List<String> lost = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger timeoutCount = new AtomicInteger();
            String where = "round " + round;
            try (Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))) {
                List<String> reported = new ArrayList<>();
                loop.setExceptionHandler((l, ctx) -> { synchronized (reported) { reported.add(ctx.message() + " " + ctx.exception()); } });
                java.util.function.Supplier<Task<Integer>> get = () -> { Task<Integer> g = q.getAsync(); gets.add(g); return g; };
                java.util.function.Consumer<Integer> got = x -> received.merge(x, 1, Integer::sum);
                Task<Void> producer = loop.createTask(() -> {
                    for (int i = 0; i < ITEMS; i++) {
                        q.put(i);
                        if (i % 3 == 0) Async.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(0, 200_000)));
                    }
                });
                Task<Void> consumer;
                if (blockingConsumer) {
                    consumer = loop.createTask(() -> {
                        while (!producer.isDone() || !q.isEmpty()) {
                            Duration d = Duration.ofNanos(ThreadLocalRandom.current().nextLong(0, 300_000));
                            int kind = ThreadLocalRandom.current().nextInt(3);
                            if (kind == 0) {
                                java.util.concurrent.atomic.AtomicReference<Task<Integer>> g = new java.util.concurrent.atomic.AtomicReference<>();
                                try {
                                    got.accept(Async.waitFor(loop.createTaskAsync(() -> { Task<Integer> t0 = get.get(); g.set(t0); return t0; }), d).join());
                                } catch (AsyncTimeoutException e) {
                                    timeoutCount.incrementAndGet();
                                    if (g.get() != null && g.get().state() == dev.aio4j.TaskState.SUCCESS) lost.add("waitFor timed out, its get had " + g.get().resultNow());
                                }
                            } else if (kind == 1) {
                                try {
                                    got.accept(Async.timeout(d, () -> q.get()));
                                } catch (AsyncTimeoutException e) {
                                    timeoutCount.incrementAndGet();
                                }
                            } else {
                                Task<Integer> a = loop.createTaskAsync(get::get), b = loop.createTaskAsync(get::get);
                                Done<Integer> done = Async.wait(List.of(a, b), ReturnWhen.FIRST_COMPLETED, d).join();
                                for (Task<Integer> p : done.pending()) p.cancel();
                                for (Task<Integer> t : List.of(a, b)) {
                                    try { got.accept(t.join()); } catch (java.util.concurrent.CancellationException e) { /* withdrawn */ }
                                }
                            }
                        }
                    });
                } else {
                    consumer = loop.createTaskAsync(() -> consumeAsync(producer, q, get, got, lost, timeoutCount));
                }
                try {
                    loop.runUntilComplete(Async.gather(producer, consumer).thenApply(v -> null));
                } catch (Throwable t) {
                    failures.add(where + ": run threw " + t);
                }
                synchronized (reported) { if (!reported.isEmpty()) failures.add(where + ": reported " + reported); }
                // the gets that succeeded, the consumer's view, and the queue
                Map<Integer, Integer> served = new java.util.HashMap<>();
                synchronized (gets) {
                    for (Task<Integer> g : gets) {
                        if (!g.isDone()) failures.add(where + ": a get is still pending");
                        else if (g.state() == dev.aio4j.TaskState.SUCCESS) served.merge(g.resultNow(), 1, Integer::sum);
                    }
                }
                List<Integer> left = new ArrayList<>();
                while (!q.isEmpty()) left.add(q.getNow());
                for (int i = 0; i < ITEMS; i++) {
                    int inQueue = left.contains(i) ? 1 : 0;
                    int r = received.getOrDefault(i, 0);
                    if (r + inQueue != 1) { failures.add(where + ": item " + i + " received " + r + " times, in queue " + inQueue + ", served to gets " + served.getOrDefault(i, 0)); break; }
                }
                if (!lost.isEmpty()) failures.add(where + ": " + lost);
                timeouts += timeoutCount.get();
            }
        }
        System.out.println(threading + " blocking=" + blockingConsumer + ": timeouts " + timeouts + " failures " + failures.size() + "/" + ROUNDS);
        if (!failures.isEmpty()) fail(failures.size() + " failures in " + ROUNDS + " rounds; first: " + failures.subList(0, Math.min(5, failures.size())));
    }

    static CompletionStage<Void> consumeAsync(Task<Void> producer, AsyncQueue<Integer> q, java.util.function.Supplier<Task<Integer>> get,
                                              java.util.function.Consumer<Integer> got, List<String> lost, AtomicInteger timeoutCount) {
        if (producer.isDone() && q.isEmpty()) return CompletableFuture.completedFuture(null);
        Duration d = Duration.ofNanos(ThreadLocalRandom.current().nextLong(0, 300_000));
        int kind = ThreadLocalRandom.current().nextInt(3);
        CompletionStage<Void> step;
        if (kind == 0) {
            Task<Integer> g = get.get();
            step = Async.waitFor(g, d).handle((x, e) -> {
                if (e == null) got.accept(x);
                else if (e instanceof AsyncTimeoutException) {
                    timeoutCount.incrementAndGet();
                    if (g.state() == dev.aio4j.TaskState.SUCCESS) lost.add("waitFor timed out, its get had " + g.resultNow());
                } else throw new AssertionError(e);
                return null;
            });
        } else if (kind == 1) {
            java.util.concurrent.atomic.AtomicReference<Task<Integer>> g = new java.util.concurrent.atomic.AtomicReference<>();
            step = Async.timeoutAsync(d, () -> { Task<Integer> t0 = get.get(); g.set(t0); return t0; }).handle((x, e) -> {
                if (e == null) got.accept(x);
                else if (e instanceof AsyncTimeoutException) {
                    timeoutCount.incrementAndGet();
                    if (g.get() != null && g.get().state() == dev.aio4j.TaskState.SUCCESS) lost.add("timeoutAsync timed out, its get had " + g.get().resultNow());
                } else throw new AssertionError(e);
                return null;
            });
        } else {
            Task<Integer> a = get.get(), b = get.get();
            step = Async.waitFor(Async.gather(a, b), d).handle((x, e) -> {
                if (e == null) { got.accept(x.get(0)); got.accept(x.get(1)); return null; }
                if (!(e instanceof AsyncTimeoutException)) throw new AssertionError(e);
                timeoutCount.incrementAndGet();
                // gather was cancelled: its gets are done, cancelled or served; a served one's item is ours
                for (Task<Integer> t : List.of(a, b)) {
                    if (!t.isDone()) lost.add("gather timed out with a get pending");
                    else if (t.state() == dev.aio4j.TaskState.SUCCESS) got.accept(t.resultNow());
                }
                return null;
            });
        }
        return step.thenCompose(v -> consumeAsync(producer, q, get, got, lost, timeoutCount));
    }
}
