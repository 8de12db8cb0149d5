package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncCondition;
import dev.aio4j.sync.AsyncLock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a callback sees (Loop.current, Async.currentTask), and misuse that must change nothing. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CallbackContextAndMisuseTest {

    /**
     * A plain callback runs in no task (Async.currentTask's Javadoc), on the loop
     * (Loop.current): callSoon, callLater, a done callback, a stage's ...Async function run by
     * the loop: even when scheduled from inside a task, under either threading.
     */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void callbacksScheduledFromTasksRunInNoTaskOnTheLoop(LoopOptions.Threading threading) {
        List<String> wrong = new CopyOnWriteArrayList<>();
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            Promise<Void> allRan = loop.createPromise();
            java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(8);
            java.util.function.Function<String, Runnable> probe = what -> () -> {
                try {
                    if (Loop.current() != loop) wrong.add(what + ": Loop.current() is " + Loop.current());
                } catch (RuntimeException e) {
                    wrong.add(what + ": Loop.current() threw " + e);
                }
                Task<?> t = Async.currentTask();
                if (t != null) wrong.add(what + ": currentTask() is " + t);
                if (left.decrementAndGet() == 0) allRan.complete(null);
            };
            // from the blocking main
            loop.callSoon(probe.apply("callSoon from a blocking task"));
            loop.callLater(Duration.ofMillis(1), probe.apply("callLater from a blocking task"));
            Promise<String> p = loop.createPromise();
            p.addDoneCallback(x -> probe.apply("done callback added in a blocking task").run());
            p.complete("v");
            // from a non-blocking body
            loop.createTaskAsync(() -> {
                loop.callSoon(probe.apply("callSoon from a non-blocking body"));
                loop.callLater(Duration.ZERO, probe.apply("callLater from a non-blocking body"));
                Promise<String> q = loop.createPromise();
                q.addDoneCallback(x -> probe.apply("done callback added in a non-blocking body").run());
                q.complete("w");
                return CompletableFuture.completedFuture(null);
            }).join();
            // from a to_thread body
            Async.toThread(() -> {
                loop.callSoon(probe.apply("callSoon from a to_thread body"));
                loop.execute(probe.apply("execute from a to_thread body"));
                return null;
            }).join();
            allRan.join(Duration.ofSeconds(10));
            return null;
        });
        assertEquals(List.of(), wrong);
    }

    /** signal(-1) is refused and wakes nobody; signal() without the lock is refused and wakes nobody. */
    @Test
    void refusedSignalsWakeNobody() {
        Async.run(loop -> {
            AsyncLock lock = AsyncLock.create();
            AsyncCondition cond = AsyncCondition.create(lock);
            Task<Void> waiter = loop.createTask(() -> lock.withLock(() -> {
                cond.await();
                return null;
            }));
            while (waiter.state() != dev.aio4j.TaskState.RUNNING || lock.isLocked()) Async.sleep(Duration.ofMillis(1));
            Async.sleep(Duration.ofMillis(10)); // the waiter is in line, the lock free
            assertThrows(IllegalStateException.class, cond::signal, "signal() without the lock");
            assertThrows(IllegalStateException.class, cond::signalAll, "signalAll() without the lock");
            lock.withLock(() -> {
                assertThrows(IllegalArgumentException.class, () -> cond.signal(-1));
                return null;
            });
            Async.sleep(Duration.ofMillis(30));
            assertFalse(waiter.isDone(), "a refused signal woke the waiter");
            lock.withLock(() -> {
                cond.signal(1);
                return null;
            });
            waiter.join(Duration.ofSeconds(5));
            return null;
        });
    }

    /** The documented IllegalArgumentExceptions of LoopOptions, AsyncQueue, AsyncSemaphore, take and generate. */
    @Test
    void badSizesAndThresholdsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LoopOptions.defaults().withSlowCallbackThreshold(Duration.ofNanos(-1)));
        assertThrows(IllegalArgumentException.class, () -> dev.aio4j.sync.AsyncQueue.<String>create(-1));
        assertThrows(IllegalArgumentException.class, () -> dev.aio4j.sync.AsyncQueue.<String>lifo(-1));
        assertThrows(IllegalArgumentException.class, () -> dev.aio4j.sync.AsyncQueue.<Integer>priority(-1));
        assertThrows(IllegalArgumentException.class, () -> dev.aio4j.sync.AsyncSemaphore.create(-1));
        assertThrows(IllegalArgumentException.class, () -> dev.aio4j.sync.AsyncSemaphore.bounded(-1));
        assertThrows(IllegalArgumentException.class, () -> dev.aio4j.stream.AsyncIterable.<String>generate(0, e -> { }));
        assertThrows(IllegalArgumentException.class, () -> dev.aio4j.stream.AsyncIterable.<String>generateAsync(0, e -> CompletableFuture.completedFuture(null)));
        assertThrows(IllegalArgumentException.class, () -> dev.aio4j.stream.AsyncIterable.<String>generate(1, e -> { }).take(-1));
        assertTrue(LoopOptions.defaults().withSlowCallbackThreshold(Duration.ZERO).slowCallbackThreshold().isZero());
    }
}
