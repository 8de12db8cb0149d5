package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Loop.close() against creators on other threads and in done callbacks: every task created is
 * either refused with "loop is closed" or done when close() returns, and close() returns. Fails
 * on one task left behind.
 */
@Tag("stress")
class LoopCloseStressTest {
    private static final int ROUNDS = 300 * Integer.getInteger("stress", 1);
    private static final int CREATORS = 3;

    @Test
    void closeAgainstCreatorsOnOtherThreads() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            oneRound(round);
        }
    }

    private static void oneRound(int round) throws Exception {
        Loop loop = Async.newLoop();
        ConcurrentLinkedQueue<Task<?>> created = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        loop.setExceptionHandler((l, context) -> {
            if (!"loop is closed".equals(context.exception().getMessage())) {
                unexpected.compareAndSet(null, context.exception());
            }
        });
        Thread runner = new Thread(loop::runForever, "loop-" + round);
        runner.start();
        CountDownLatch going = new CountDownLatch(CREATORS);
        Thread[] creators = new Thread[CREATORS];
        for (int c = 0; c < CREATORS; c++) {
            boolean blocking = c % 2 == 0;
            creators[c] = new Thread(() -> {
                going.countDown();
                try {
                    for (int i = 0; ; i++) {
                        Task<?> t = blocking
                            ? loop.createTask(() -> {
                                Async.sleep(Duration.ofMinutes(1));
                                return null;
                            })
                            : loop.createTaskAsync(CompletableFuture::new);
                        created.add(t);
                        if (i > 100) {
                            LockSupport.parkNanos(20_000); // enough to race close(), not so many that each round takes long
                        }
                        if (i % 8 == 0) {
                            t.addDoneCallback(done -> created.add(loop.createTask(() -> {
                                Async.sleep(Duration.ofMinutes(1));
                                return null;
                            })));
                        }
                    }
                } catch (IllegalStateException e) {
                    if (!"loop is closed".equals(e.getMessage())) {
                        unexpected.compareAndSet(null, e);
                    }
                }
            }, "creator-" + c);
            creators[c].start();
        }
        going.await();
        Thread.sleep(1);
        loop.stop();
        runner.join(TimeUnit.SECONDS.toMillis(10));
        Thread closer = new Thread(loop::close, "closer");
        closer.start();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        if (closer.isAlive()) {
            List<Task<?>> left = notDone(created);
            fail("round " + round + ": close() did not return; " + left.size() + " tasks not done, such as " + left.subList(0, Math.min(5, left.size())));
        }
        for (Thread t : creators) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertTrue(!t.isAlive(), "a creator was never refused");
        }
        if (unexpected.get() != null) {
            throw new AssertionError("round " + round, unexpected.get());
        }
        List<Task<?>> left = notDone(created);
        assertEquals(0, left.size(), () -> "round " + round + ": tasks left behind by close(), such as " + left.subList(0, Math.min(5, left.size())));
    }

    private static List<Task<?>> notDone(ConcurrentLinkedQueue<Task<?>> created) {
        return created.stream().filter(t -> !t.isDone()).toList();
    }
}
