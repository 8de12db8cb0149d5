package dev.aio4j.sync;

import static dev.aio4j.sync.SyncTestSupport.assertMisuse;
import static dev.aio4j.sync.SyncTestSupport.assertRefusedOnLoopThread;
import static dev.aio4j.sync.SyncTestSupport.awaitParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AsyncEventTest {

    @Test
    void setClearIsSet() {
        AsyncEvent event = AsyncEvent.create();
        assertFalse(event.isSet());
        event.set();
        assertTrue(event.isSet());
        event.set();
        assertTrue(event.isSet());
        event.clear();
        assertFalse(event.isSet());
        event.clear();
        assertFalse(event.isSet());
        assertTrue(event.toString().contains("unset"));
    }

    @Test
    void waitsOnASetEventReturnAtOnce() {
        AsyncEvent event = AsyncEvent.create();
        event.set();
        Async.run(loop -> {
            event.await();
            Task<Void> t = event.awaitAsync();
            assertTrue(t.isDone());
            assertEquals(TaskState.SUCCESS, t.state());
            return null;
        });
    }

    @Test
    void setWakesEveryWaiterOfBothStylesEvenIfClearedAtOnce() {
        AsyncEvent event = AsyncEvent.create();
        AtomicInteger woken = new AtomicInteger();
        Async.run(loop -> {
            List<Task<Void>> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                CountDownLatch started = new CountDownLatch(1);
                Thread[] thread = new Thread[1];
                waiters.add(loop.createTask(() -> {
                    thread[0] = Thread.currentThread();
                    started.countDown();
                    event.await();
                    woken.incrementAndGet();
                    return null;
                }));
                started.await();
                awaitParked(thread[0]);
                Task<Void> async = event.awaitAsync();
                assertFalse(async.isDone());
                waiters.add(async);
            }
            assertEquals(0, woken.get(), "nobody wakes before set()");
            event.set();
            event.clear(); // the waiters present at set() wake anyway
            Async.gather(waiters).join();
            assertEquals(3, woken.get());
            for (Task<Void> w : waiters) {
                assertEquals(TaskState.SUCCESS, w.state());
            }
            assertFalse(event.isSet());
            return null;
        });
    }

    @Test
    void waitsThatStartAfterClearWaitForTheNextSet() {
        AsyncEvent event = AsyncEvent.create();
        Async.run(loop -> {
            event.set();
            event.clear();
            Task<Void> waiter = event.awaitAsync();
            assertFalse(waiter.isDone());
            Async.sleep(Duration.ofMillis(5));
            assertFalse(waiter.isDone());
            event.set();
            waiter.join();
            return null;
        });
    }

    @Test
    void cancellingWaitersLeavesTheEventAlone() {
        AsyncEvent event = AsyncEvent.create();
        Async.run(loop -> {
            Task<Void> async = event.awaitAsync();
            CountDownLatch started = new CountDownLatch(1);
            Thread[] thread = new Thread[1];
            Task<Void> blocking = loop.createTask(() -> {
                thread[0] = Thread.currentThread();
                started.countDown();
                event.await();
                return null;
            });
            started.await();
            awaitParked(thread[0]);
            async.cancel();
            blocking.cancel();
            assertThrows(CancellationException.class, async::join);
            assertThrows(CancellationException.class, blocking::join);
            assertFalse(event.isSet());
            Task<Void> later = event.awaitAsync();
            event.set();
            later.join();
            return null;
        });
    }

    @Test
    void timeoutsAroundBothStyles() {
        AsyncEvent event = AsyncEvent.create();
        Async.run(loop -> {
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(20), () -> {
                event.await();
                return null;
            }));
            assertThrows(AsyncTimeoutException.class, Async.waitFor(event.awaitAsync(), Duration.ofMillis(20))::join);
            event.set();
            Async.timeout(Duration.ofSeconds(10), () -> {
                event.await();
                return null;
            });
            return null;
        });
    }

    @Test
    void awaitRefusesTheLoopThreadAndAwaitAsyncNeedsALoop() {
        AsyncEvent event = AsyncEvent.create();
        Async.run(loop -> {
            assertRefusedOnLoopThread(loop, event::await);
            return null;
        });
        assertMisuse(event::awaitAsync);
    }

    @Test
    void anInterruptIsACancellationOutsideTasksToo() throws Exception {
        AsyncEvent event = AsyncEvent.create();
        CountDownLatch parked = new CountDownLatch(1);
        Throwable[] thrown = new Throwable[1];
        boolean[] flagAfter = new boolean[1];
        Thread t = new Thread(() -> {
            parked.countDown();
            try {
                event.await();
            } catch (Throwable e) {
                thrown[0] = e;
                flagAfter[0] = Thread.currentThread().isInterrupted();
            }
        });
        t.start();
        parked.await();
        awaitParked(t);
        t.interrupt();
        t.join();
        assertTrue(thrown[0] instanceof CancellationException, String.valueOf(thrown[0]));
        assertTrue(flagAfter[0], "a thread that is not a task's gets its interrupt flag back");
    }
}
