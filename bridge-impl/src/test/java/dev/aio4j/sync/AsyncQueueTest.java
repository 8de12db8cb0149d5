package dev.aio4j.sync;

import static dev.aio4j.sync.SyncTestSupport.assertMisuse;
import static dev.aio4j.sync.SyncTestSupport.assertRefusedOnLoopThread;
import static dev.aio4j.sync.SyncTestSupport.startParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.ReturnWhen;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AsyncQueueTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    private static List<Integer> drain(AsyncQueue<Integer> q) {
        List<Integer> out = new ArrayList<>();
        while (!q.isEmpty()) {
            out.add(q.getNow());
        }
        return out;
    }

    @Test
    void theThreeOrders() {
        AsyncQueue<Integer> fifo = AsyncQueue.create();
        AsyncQueue<Integer> lifo = AsyncQueue.lifo(0);
        AsyncQueue<Integer> priority = AsyncQueue.priority(0);
        AsyncQueue<Integer> reversed = AsyncQueue.priority(0, Comparator.reverseOrder());
        for (AsyncQueue<Integer> q : List.of(fifo, lifo, priority, reversed)) {
            for (int i : new int[] {3, 1, 2}) {
                q.putNow(i);
            }
        }
        assertEquals(List.of(3, 1, 2), drain(fifo));
        assertEquals(List.of(2, 1, 3), drain(lifo));
        assertEquals(List.of(1, 2, 3), drain(priority));
        assertEquals(List.of(3, 2, 1), drain(reversed));
    }

    @Test
    void nowMethodsFailFast() {
        AsyncQueue<String> q = AsyncQueue.create(2);
        assertEquals(2, q.maxSize());
        assertTrue(q.isEmpty());
        assertFalse(q.isFull());
        q.putNow("a");
        q.putNow("b");
        assertTrue(q.isFull());
        assertEquals(2, q.size());
        assertThrows(QueueFullException.class, () -> q.putNow("c"));
        assertEquals("a", q.getNow());
        assertEquals("b", q.getNow());
        assertThrows(QueueEmptyException.class, q::getNow);
        assertThrows(NullPointerException.class, () -> q.putNow(null));
        assertThrows(IllegalArgumentException.class, () -> AsyncQueue.create(-1));
        assertThrows(NullPointerException.class, () -> AsyncQueue.priority(1, null));
        assertEquals(0, AsyncQueue.create().maxSize());
        assertFalse(AsyncQueue.create().isFull());
    }

    @Test
    void getsWaitForPutsInBothStylesFirstComeFirstServed() {
        AsyncQueue<String> q = AsyncQueue.create();
        Async.run(loop -> {
            Task<String> blocking = startParked(loop, q::get);
            Task<String> async = q.getAsync();
            assertFalse(async.isDone());
            q.putNow("first");
            q.put("second");
            assertEquals("first", blocking.join(GENEROUS));
            assertEquals("second", async.join(GENEROUS));
            assertTrue(q.isEmpty(), "items went straight to the waiting getters");
            Task<String> ready = q.getAsync();
            assertFalse(ready.isDone());
            q.putAsync("third").join();
            assertEquals("third", ready.join(GENEROUS));
            return null;
        });
    }

    @Test
    void aServedWaiterCompletesInALoopStepNotOnTheStackOfThePutThatServedIt() {
        AsyncQueue<Integer> q = AsyncQueue.create(1);
        List<String> order = Async.runAsync(loop -> {
            List<String> seen = new ArrayList<>();
            Task<Integer> getter = q.getAsync();
            CompletionStage<Void> chained = getter.thenAccept(v -> seen.add("getter got " + v));
            q.putNow(1);
            seen.add("putNow returned, getter done: " + getter.isDone());
            // a waiting putter, served by a get: same rule
            q.putNow(2);
            Task<Void> putter = q.putAsync(3);
            assertEquals(2, q.getNow());
            seen.add("getNow returned, putter done: " + putter.isDone());
            // served from another thread: what is chained to it still runs on the loop
            Task<Integer> second = q.getAsync(); // takes 3 at once
            Task<Integer> third = q.getAsync();
            Thread loopThread = Thread.currentThread();
            CompletionStage<String> where = third.thenApply(v -> v + " on the loop's thread: " + (Thread.currentThread() == loopThread));
            Task<Void> remote = Async.toThread(() -> {
                q.putNow(4);
                return null;
            });
            return chained.thenCompose(x -> second).thenCompose(x -> remote).thenCompose(x -> where).thenApply(w -> {
                seen.add(w);
                return seen;
            });
        });
        assertEquals(List.of("putNow returned, getter done: false", "getNow returned, putter done: false",
                "getter got 1", "4 on the loop's thread: true"), order);
    }

    @Test
    void putsWaitWhileFullInBothStylesFirstComeFirstServed() {
        AsyncQueue<String> q = AsyncQueue.create(1);
        Async.run(loop -> {
            q.putNow("a");
            Task<Void> blocking = startParked(loop, () -> {
                q.put("b");
                return null;
            });
            Task<Void> async = q.putAsync("c");
            assertFalse(async.isDone());
            assertThrows(QueueFullException.class, () -> q.putNow("x"), "no barging past waiting putters");
            assertEquals("a", q.getNow());
            blocking.join(GENEROUS);
            assertFalse(async.isDone());
            assertEquals("b", q.get());
            async.join(GENEROUS);
            assertEquals("c", q.getAsync().join());
            assertTrue(q.isEmpty());
            return null;
        });
    }

    @Test
    void joinWaitsForEveryTaskDone() {
        AsyncQueue<Integer> q = AsyncQueue.create();
        Async.run(loop -> {
            q.join();
            assertTrue(q.joinAsync().isDone());
            q.putNow(1);
            q.putNow(2);
            Task<Void> blockingJoin = startParked(loop, () -> {
                q.join();
                return null;
            });
            Task<Void> asyncJoin = q.joinAsync();
            q.getNow();
            q.taskDone();
            q.getNow();
            assertFalse(blockingJoin.isDone() || asyncJoin.isDone(), "an item taken is not done until taskDone()");
            q.taskDone();
            Async.gather(blockingJoin, asyncJoin).join(GENEROUS);
            IllegalStateException e = assertMisuse(q::taskDone);
            assertTrue(e.getMessage().contains("more times"), e.getMessage());
            return null;
        });
    }

    @Test
    void shutdownReleasesWaitingGettersInBothStyles() {
        AsyncQueue<String> q = AsyncQueue.create();
        Async.run(loop -> {
            Task<String> blocking = startParked(loop, q::get);
            Task<String> async = q.getAsync();
            q.shutdown();
            assertTrue(q.isShutDown());
            assertThrows(QueueShutDownException.class, () -> blocking.join(GENEROUS));
            assertThrows(QueueShutDownException.class, () -> async.join(GENEROUS));
            assertThrows(QueueShutDownException.class, q::getNow);
            assertThrows(QueueShutDownException.class, q::get);
            assertThrows(QueueShutDownException.class, q.getAsync()::join);
            return null;
        });
    }

    @Test
    void shutdownReleasesWaitingPuttersAndRefusesPutsButLetsGettersDrain() {
        AsyncQueue<String> q = AsyncQueue.create(1);
        Async.run(loop -> {
            q.putNow("kept");
            Task<Void> blocking = startParked(loop, () -> {
                q.put("b");
                return null;
            });
            Task<Void> async = q.putAsync("c");
            q.shutdown();
            assertThrows(QueueShutDownException.class, () -> blocking.join(GENEROUS));
            assertThrows(QueueShutDownException.class, () -> async.join(GENEROUS));
            assertThrows(QueueShutDownException.class, () -> q.putNow("d"));
            assertThrows(QueueShutDownException.class, () -> q.put("d"));
            assertThrows(QueueShutDownException.class, q.putAsync("d")::join);
            assertEquals("kept", q.get(), "the items left can still be taken");
            assertThrows(QueueShutDownException.class, q::getNow);
            q.taskDone();
            q.join();
            return null;
        });
    }

    @Test
    void anImmediateShutdownDiscardsTheItemsAndReleasesJoin() {
        AsyncQueue<String> q = AsyncQueue.create();
        Async.run(loop -> {
            q.putNow("a");
            q.putNow("b");
            q.getNow(); // taken, not yet done
            Task<Void> join = q.joinAsync();
            q.shutdown(true);
            assertTrue(q.isEmpty());
            assertFalse(join.isDone(), "the item taken is still pending");
            q.taskDone();
            join.join(GENEROUS);
            assertThrows(QueueShutDownException.class, q::getNow);
            return null;
        });
    }

    @Test
    void aCancelledGetTakesNoItemInBothStyles() {
        AsyncQueue<String> q = AsyncQueue.create();
        Async.run(loop -> {
            Task<String> async = q.getAsync();
            Task<String> blocking = startParked(loop, q::get);
            assertTrue(async.cancel());
            blocking.cancel();
            assertThrows(CancellationException.class, async::join);
            assertThrows(CancellationException.class, () -> blocking.join(GENEROUS));
            q.putNow("x");
            assertEquals(1, q.size(), "the item went to no cancelled getter");
            assertEquals("x", q.getNow());
            return null;
        });
    }

    @Test
    void aServedGetAsyncCancelledBeforeItCompletesGivesItsItemBack() {
        // asyncio's Queue.get, woken but not yet resumed when its task is cancelled, leaves the item
        // in the queue; here the item handed over goes back at once. All on the loop's thread, so
        // that the served task has not completed at the cancel (it completes in a later step)
        AsyncQueue<String> q = AsyncQueue.create();
        String[] seen = new String[3];
        Task<String> waiter = Async.runAsync(loop -> {
            Task<String> w = q.getAsync();
            q.putNow("x");
            seen[0] = w.state() + " " + q.size();
            seen[1] = String.valueOf(w.cancel());
            seen[2] = String.valueOf(q.size());
            return Async.wait(List.of(w), ReturnWhen.ALL_COMPLETED).thenApply(d -> w);
        });
        assertEquals("RUNNING 0", seen[0], "the schedule: the item was handed over, the task not completed");
        assertEquals("true", seen[1], "cancel() comes before the task completed: it wins");
        assertEquals("1", seen[2], "the item went back at once");
        assertEquals(TaskState.CANCELLED, waiter.state());
        assertEquals("x", q.getNow());
    }

    @Test
    void aCancelledPutPutsNothingInBothStyles() {
        AsyncQueue<String> q = AsyncQueue.create(1);
        Async.run(loop -> {
            q.putNow("a");
            Task<Void> async = q.putAsync("b");
            Task<Void> blocking = startParked(loop, () -> {
                q.put("c");
                return null;
            });
            Task<Void> last = q.putAsync("d");
            assertTrue(async.cancel());
            blocking.cancel();
            assertThrows(CancellationException.class, async::join);
            assertThrows(CancellationException.class, () -> blocking.join(GENEROUS));
            assertEquals("a", q.getNow());
            last.join(GENEROUS);
            assertFalse(last.cancel(), "a put that is done cannot be cancelled");
            assertEquals("d", q.getNow());
            assertTrue(q.isEmpty(), "neither cancelled put left its item");
            q.taskDone();
            q.taskDone();
            assertMisuse(q::taskDone);
            return null;
        });
    }

    @Test
    void aGetRacingWithItsCancellationNeverLosesAnItem() throws Exception {
        AsyncQueue<Integer> q = AsyncQueue.create();
        int rounds = 300;
        Async.run(loop -> {
            CyclicBarrier go = new CyclicBarrier(2);
            for (int i = 0; i < rounds; i++) {
                int item = i;
                boolean blockingStyle = i % 2 == 0;
                AtomicReference<Integer> got = new AtomicReference<>();
                Task<Integer> getter = blockingStyle
                        ? startParked(loop, () -> {
                            Integer v = q.get();
                            got.set(v);
                            return v;
                        })
                        : q.getAsync();
                Task<Void> putter = Async.toThread(() -> {
                    go.await();
                    q.putNow(item);
                    return null;
                });
                go.await();
                getter.cancel();
                putter.join(GENEROUS);
                Integer delivered;
                if (blockingStyle) {
                    delivered = waitThenRead(getter, got);
                } else {
                    Async.wait(List.of(getter), ReturnWhen.ALL_COMPLETED, GENEROUS).join(); // a served one completes in a loop step
                    assertTrue(getter.isDone(), "a served or cancelled getAsync is done within a loop step");
                    delivered = getter.state() == TaskState.SUCCESS ? getter.resultNow() : null;
                }
                if (delivered != null) {
                    assertEquals(item, delivered);
                    assertTrue(q.isEmpty(), "round " + i + ": delivered and still queued");
                } else {
                    assertEquals(List.of(item), drain(q), "round " + i + ": neither delivered nor queued");
                }
                q.taskDone();
            }
            return null;
        });
    }

    @Test
    void aPutRacingWithItsCancellationPutsIffItSucceeds() throws Exception {
        AsyncQueue<Integer> q = AsyncQueue.create(1);
        int rounds = 300;
        Async.run(loop -> {
            CyclicBarrier go = new CyclicBarrier(2);
            for (int i = 0; i < rounds; i++) {
                int item = i;
                boolean blockingStyle = i % 2 == 0;
                q.putNow(-1); // full
                AtomicReference<Boolean> returned = new AtomicReference<>(false);
                Task<Void> putter = blockingStyle
                        ? startParked(loop, () -> {
                            q.put(item);
                            returned.set(true);
                            return null;
                        })
                        : q.putAsync(item);
                Task<Integer> getter = Async.toThread(() -> {
                    go.await();
                    return q.getNow(); // frees the slot: the putter is let in
                });
                go.await();
                putter.cancel();
                assertEquals(-1, getter.join(GENEROUS));
                q.taskDone();
                boolean put;
                if (blockingStyle) {
                    try {
                        putter.join(GENEROUS);
                    } catch (CancellationException e) {
                        // put() may have returned just before: see `returned`
                    }
                    put = returned.get();
                } else {
                    try {
                        putter.join(GENEROUS);
                    } catch (CancellationException e) {
                        // checked below
                    }
                    put = putter.state() == TaskState.SUCCESS;
                }
                assertEquals(put ? List.of(item) : List.of(), drain(q), "round " + i + ": put " + put);
                if (put) {
                    q.taskDone();
                }
            }
            return null;
        });
    }

    /**
     * A comparator that, once armed, stops in its next comparison until released: it holds a put
     * between the moment the queue let it in and the moment it completes.
     */
    private static final class StoppingComparator implements Comparator<Integer> {
        final AtomicBoolean armed = new AtomicBoolean();
        final CountDownLatch stopped = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);

        @Override
        public int compare(Integer a, Integer b) {
            if (armed.compareAndSet(true, false)) {
                stopped.countDown();
                boolean interrupted = false;
                while (true) {
                    try {
                        proceed.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return Integer.compare(a, b);
        }
    }

    @Test
    void aPutAsyncLetInCannotBeCancelledAnyMore() {
        StoppingComparator order = new StoppingComparator();
        AsyncQueue<Integer> q = AsyncQueue.priority(2, order);
        Async.run(loop -> {
            q.putNow(1);
            q.putNow(2);
            Task<Void> putter = q.putAsync(3);
            order.armed.set(true);
            Task<Integer> getter = Async.toThread(q::getNow); // lets the putter in; its item stops in the comparator
            order.stopped.await();
            try {
                assertFalse(putter.cancel(), "the put is taking effect: too late to cancel it");
            } finally {
                order.proceed.countDown();
            }
            assertEquals(1, getter.join(GENEROUS));
            putter.join(GENEROUS);
            assertEquals(TaskState.SUCCESS, putter.state());
            assertEquals(List.of(2, 3), drain(q));
            return null;
        });
    }

    @Test
    void aBlockingPutInterruptedAsItTakesEffectReturnsNormallyWithTheInterruptPending() {
        StoppingComparator order = new StoppingComparator();
        AsyncQueue<Integer> q = AsyncQueue.priority(2, order);
        AtomicBoolean returned = new AtomicBoolean();
        AtomicBoolean interruptPending = new AtomicBoolean();
        Async.run(loop -> {
            q.putNow(1);
            q.putNow(2);
            Task<Void> putter = startParked(loop, () -> {
                q.put(3);
                returned.set(true);
                interruptPending.set(Thread.currentThread().isInterrupted());
                return null;
            });
            order.armed.set(true);
            Task<Integer> getter = Async.toThread(q::getNow);
            order.stopped.await();
            putter.cancel(); // interrupts the putter's thread in the middle of its put
            order.proceed.countDown();
            assertEquals(1, getter.join(GENEROUS));
            assertThrows(CancellationException.class, () -> putter.join(GENEROUS));
            assertTrue(returned.get(), "put() returned: its item is in the queue");
            assertTrue(interruptPending.get(), "with the interrupt flag set again");
            assertEquals(List.of(2, 3), drain(q));
            return null;
        });
    }

    private static Integer waitThenRead(Task<Integer> getter, AtomicReference<Integer> got) {
        try {
            getter.join(GENEROUS);
        } catch (CancellationException e) {
            // the body may still have got it just before: see `got`
        }
        return got.get();
    }

    @Test
    void timeoutsAroundBothStylesLeaveTheQueueConsistent() {
        AsyncQueue<String> q = AsyncQueue.create(1);
        Async.run(loop -> {
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(20), q::get));
            assertThrows(AsyncTimeoutException.class, Async.waitFor(q.getAsync(), Duration.ofMillis(20))::join);
            q.putNow("a");
            assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(20), () -> {
                q.put("b");
                return null;
            }));
            assertThrows(AsyncTimeoutException.class, Async.waitFor(q.putAsync("c"), Duration.ofMillis(20))::join);
            assertEquals(1, q.size());
            assertEquals("a", q.getNow());
            q.putNow("d");
            assertEquals("d", q.getNow());
            return null;
        });
    }

    @Test
    void blockingMethodsRefuseTheLoopThreadAndAsyncOnesNeedALoop() {
        AsyncQueue<String> q = AsyncQueue.create();
        Async.run(loop -> {
            assertRefusedOnLoopThread(loop, q::get);
            assertRefusedOnLoopThread(loop, () -> q.put("x"));
            assertRefusedOnLoopThread(loop, q::join);
            assertTrue(q.isEmpty());
            return null;
        });
        assertMisuse(q::getAsync);
        assertMisuse(() -> q.putAsync("x"));
        assertMisuse(q::joinAsync);
        assertTrue(q.isEmpty());
    }

    @Test
    void theTasksOfReadyOperationsAreDoneAtOnce() {
        AsyncQueue<String> q = AsyncQueue.create();
        Async.run(loop -> {
            Task<Void> put = q.putAsync("x");
            assertTrue(put.isDone());
            assertNull(put.resultNow());
            Task<String> get = q.getAsync();
            assertEquals("x", get.resultNow());
            return null;
        });
    }
}
