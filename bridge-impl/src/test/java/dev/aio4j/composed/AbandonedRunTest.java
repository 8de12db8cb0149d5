package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.LoopOptions;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.BlockingIterable;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * asyncio.run's end with work still running: main starts workers of both styles that it never
 * awaits (each inside using/usingAsync, holding a semaphore permit, taking the lock, reading a
 * generator, waiting on a queue), then returns, or throws, at a random moment. Async.run must
 * cancel and wait for them all: every resource closed once, every generator's finally run,
 * the lock and permits back, main's exception thrown as the same instance.
 */
class AbandonedRunTest {
    static final int ROUNDS = Integer.getInteger("composed.rounds", 150);

    static final class Boom extends RuntimeException {
        Boom() { super("main failed"); }
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void abandoned(LoopOptions.Threading threading) {
        List<String> failures = new ArrayList<>();
        int started = 0, gens = 0;
        for (int round = 0; round < ROUNDS; round++) {
            AsyncLock lock = AsyncLock.create();
            AsyncSemaphore sem = AsyncSemaphore.create(2);
            AsyncQueue<Integer> q = AsyncQueue.create(1);
            AtomicInteger opened = new AtomicInteger(), closed = new AtomicInteger();
            AtomicInteger genStarted = new AtomicInteger(), genFinished = new AtomicInteger();
            AtomicInteger bodiesStarted = new AtomicInteger(), bodiesEnded = new AtomicInteger();
            List<String> reported = new ArrayList<>();
            boolean mainThrows = ThreadLocalRandom.current().nextBoolean();
            long delayMicros = ThreadLocalRandom.current().nextLong(0, 3000);
            Boom boom = new Boom();
            AsyncIterable<Integer> gen = AsyncIterable.generate(e -> {
                genStarted.incrementAndGet();
                try {
                    for (int i = 0; ; i++) e.emit(i);
                } finally {
                    genFinished.incrementAndGet();
                }
            });
            java.util.function.Supplier<AsyncCloseable> res = () -> {
                opened.incrementAndGet();
                return () -> { closed.incrementAndGet(); return CompletableFuture.completedFuture(null); };
            };
            String where = "round " + round + " delay " + delayMicros + "us throws " + mainThrows;
            try {
                Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                    loop.setExceptionHandler((l, ctx) -> { synchronized (reported) { reported.add(ctx.message() + " " + ctx.exception()); } });
                    for (int k = 0; k < 4; k++) {
                        if (k % 2 == 0) {
                            loop.createTask(() -> Async.using(res::get, r -> {
                                bodiesStarted.incrementAndGet();
                                try (var p = sem.acquire(); BlockingIterable<Integer> it = gen.map(x -> x + 1).blocking()) {
                                    assertNotNull(p);
                                    for (int x : it) {
                                        lock.withLock(() -> Async.sleep(Duration.ofNanos(x % 3 * 100_000)));
                                        q.put(x);
                                    }
                                } finally {
                                    bodiesEnded.incrementAndGet();
                                }
                                return null;
                            }));
                        } else {
                            loop.createTaskAsync(() -> Async.usingAsync(() -> CompletableFuture.completedFuture(res.get()), r -> {
                                bodiesStarted.incrementAndGet();
                                return sem.withPermitAsync(() -> gen.take(1000).forEachAsync(x ->
                                                lock.withLockAsync(() -> Async.sleepAsync(Duration.ofNanos(x % 3 * 100_000)))
                                                        .thenCompose(v -> q.getAsync())))
                                        .whenComplete((v, e) -> bodiesEnded.incrementAndGet());
                            }));
                        }
                    }
                    long end = System.nanoTime() + delayMicros * 1000;
                    while (System.nanoTime() < end) Thread.onSpinWait();
                    if (mainThrows) throw boom;
                    return null;
                });
                assertFalse(mainThrows, where + ": run returned although main threw");
            } catch (Boom b) {
                if (b != boom) failures.add(where + ": another Boom");
            } catch (Throwable t) {
                failures.add(where + ": run threw " + t);
                continue;
            }
            started += bodiesStarted.get();
            gens += genStarted.get();
            try {
                assertEquals(opened.get(), closed.get(), where + ": resources opened vs closed");
                assertEquals(bodiesStarted.get(), bodiesEnded.get(), where + ": bodies started vs ended");
                assertEquals(genStarted.get(), genFinished.get(), where + ": generators started vs finished");
                assertFalse(lock.isLocked(), where + ": lock held");
                assertEquals(2, sem.availablePermits(), where + ": permits");
                synchronized (reported) { assertEquals(List.of(), reported, where + ": reported"); }
            } catch (Throwable t) {
                failures.add(t.getMessage());
            }
        }
        assertTrue(started > ROUNDS && gens > ROUNDS, "the workers hardly ran: " + started + " bodies, " + gens + " generators");
        System.out.println(threading + ": bodies " + started + " generators " + gens + " failures " + failures.size() + "/" + ROUNDS);
        if (!failures.isEmpty()) fail(failures.size() + " of " + ROUNDS + " rounds failed; first: " + failures.subList(0, Math.min(5, failures.size())));
    }

}
