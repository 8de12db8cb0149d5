package dev.aio4j.interop;

import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.TaskFailedException;
import dev.aio4j.kotlin.Suspend;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import kotlin.coroutines.Continuation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Java implementation of a Kotlin suspend interface (Suspend.resumeWith over a blocking task with an
 * AsyncLock, or a non-blocking one over an AsyncQueue), called by Kotlin under Mutex and withTimeout,
 * from runBlocking(Dispatchers.Default) through the loop's dispatcher, from Suspend.call and from
 * Suspend.join, cancelled at random moments: the Java finally runs once, the lock is released, the
 * caller gets a value or a CancellationException, no task is left.
 */
class JavaStoreStressTest {
    static final int ROUNDS = Integer.getInteger("mixed.rounds", 150);

    static final class JavaStore implements SuspendStore {
        final AsyncLock lock = AsyncLock.create();
        final AsyncQueue<Integer> queue = AsyncQueue.create(1);
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final Loop loop;
        final int sleepMs;
        final boolean async;

        JavaStore(Loop loop, int sleepMs, boolean async) {
            this.loop = loop;
            this.sleepMs = sleepMs;
            this.async = async;
        }

        @Override
        public Object get(int key, Continuation<? super Integer> c) {
            @SuppressWarnings("unchecked") Continuation<Integer> cont = (Continuation<Integer>) c;
            Task<Integer> t;
            if (async) {
                t = loop.createTaskAsync(() -> {
                    opened.incrementAndGet();
                    return queue.putAsync(key).thenCompose(v -> Async.sleepAsync(Duration.ofMillis(sleepMs)))
                            .thenCompose(v -> queue.getAsync()).thenApply(v -> v * 2)
                            .whenComplete((v, e) -> closed.incrementAndGet());
                });
            } else {
                t = loop.createTask(() -> {
                    opened.incrementAndGet();
                    try {
                        return lock.withLock(() -> {
                            Async.sleep(Duration.ofMillis(sleepMs));
                            return key * 2;
                        });
                    } finally {
                        closed.incrementAndGet();
                    }
                });
            }
            return Suspend.resumeWith(t, cont);
        }
    }

    static Throwable root(Throwable e) {
        while (e instanceof TaskFailedException && e.getCause() != null) e = e.getCause();
        return e;
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void javaStoreCalledFromCancelledKotlin(LoopOptions.Threading threading) {
        List<String> failures = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> f = new ArrayList<>();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            MixedService svc = new MixedService();
            boolean async = r.nextBoolean();
            int route = r.nextInt(3);
            try {
                Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                    JavaStore store = new JavaStore(loop, r.nextInt(3), async);
                    List<Task<Integer>> tasks = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        int key = i;
                        long timeout = 1 + r.nextInt(6);
                        long cancelAfter = r.nextInt(6) - 1;
                        Task<Integer> t = switch (route) {
                            case 0 -> loop.createTask(() -> svc.callStoreFromDefault(loop, store, key, timeout, cancelAfter));
                            case 1 -> Suspend.<Integer>call(c -> svc.viaStore(store, key, timeout, c));
                            default -> loop.createTask(() -> Suspend.<Integer>join(c -> svc.viaStore(store, key, timeout, c)));
                        };
                        if (route != 0 && cancelAfter >= 0) loop.callLater(Duration.ofMillis(cancelAfter), t::cancel);
                        tasks.add(t);
                    }
                    for (int i = 0; i < tasks.size(); i++) {
                        try {
                            int v = tasks.get(i).join(Duration.ofSeconds(10));
                            if (v != i * 2 + 1) f.add("value " + v);
                        } catch (CancellationException e) {
                            // fine: a timeout or a cancel
                        } catch (Throwable e) {
                            f.add("route " + route + " async " + async + " unexpected " + root(e));
                        }
                    }
                    for (Task<?> t : Set.copyOf(loop.allTasks())) if (t != Async.currentTask()) {
                        try { t.join(Duration.ofSeconds(5)); } catch (Throwable ignored) { }
                    }
                    for (Task<?> t : loop.allTasks()) if (t != Async.currentTask() && !t.isDone()) f.add("pending " + t);
                    if (store.opened.get() != store.closed.get()) f.add("route " + route + " async " + async + " store opened " + store.opened + " closed " + store.closed);
                    if (svc.getStarted().get() != svc.getFinallies().get()) f.add("kotlin started " + svc.getStarted() + " finallies " + svc.getFinallies());
                    if (store.lock.isLocked()) f.add("lock left locked");
                    return null;
                });
            } catch (Throwable e) {
                f.add("run threw " + e);
            }
            if (!f.isEmpty()) failures.add("round " + round + ": " + f);
        }
        if (!failures.isEmpty()) fail(threading + ": " + failures.size() + " of " + ROUNDS + " failed; first " + failures.get(0) + "\nlast " + failures.get(failures.size() - 1));
    }
}
