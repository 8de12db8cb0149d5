package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Loop.runInExecutor with an executor that runs the body on the loop's own thread: the loop itself
 * (a Loop is an Executor, its Javadoc says so that it can be passed where one is wanted), or a
 * bounded pool with ThreadPoolExecutor.CallerRunsPolicy, the JDK's usual back-pressure, saturated
 * when a non-blocking body hands it work.
 *
 * <p>Loop's Javadoc: "A blocking aio4j call made on that thread throws IllegalStateException,
 * because it would stall every callback"; Task.join and Async.sleep say the same, and under
 * DEFAULT_DISPATCHER the loop's workers refuse blocking calls too (ARCHITECTURE.md). A body run
 * there is refused nothing: the blocking-task mark (the thread's uncaught-exception handler,
 * Current.get()) wins over the loop's, so Async.sleep blocks the loop, and a join of something the
 * loop must complete hangs it for good.
 */
class BlockingBodyOnTheLoopThreadTest {

    static void assertRefused(Task<?> t, String what) {
        assertTrue(t.isDone(), what + ": not done: " + t.state());
        assertEquals(TaskState.FAILED, t.state(), what + ": a blocking call on the loop's thread was not refused; the task ended " + t.state()
                + (t.state() == TaskState.SUCCESS ? " with " + t.resultNow() : ""));
        Throwable e = t.exceptionNow();
        assertTrue(e instanceof IllegalStateException && !(e instanceof CancellationException), what + ": failed with " + e);
    }

    /** runInExecutor(loop, body): the loop runs the body as a callback, on its thread (or a worker marked as the loop's). */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aBodyTheLoopItselfRunsIsRefusedBlockingCalls(Threading threading) {
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            AtomicReference<String> onLoopThread = new AtomicReference<>();
            Task<String> t = loop.runInExecutor(loop, () -> {
                onLoopThread.set(Thread.currentThread().getName());
                Async.sleep(Duration.ofMillis(1));
                return "slept on " + Thread.currentThread().getName();
            });
            Async.gatherOutcomes(t).join();
            assertRefused(t, "runInExecutor(loop, body) whose body ran on " + onLoopThread.get());
            return null;
        });
    }

    /**
     * runInExecutor(r -> otherLoop.execute(r), body): an executor of the user's that hands the body to
     * another loop, running on its own thread, which runs it as one of its callbacks. A blocking call
     * there stalls that other loop as surely as the own loop's: refused the same way (a loop passed
     * itself is refused before it runs anything; before 2026-12-07 a wrapped one was not recognised,
     * and the body slept on the other loop's thread).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aBodyAnotherLoopRunsThroughAWrappingExecutorIsRefusedBlockingCalls(Threading threading) throws Exception {
        Loop other = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        Thread runner = new Thread(other::runForever, "other-loop-runner");
        runner.start();
        try {
            Async.run(loop -> {
                AtomicReference<String> ranOn = new AtomicReference<>();
                Task<String> t = loop.runInExecutor(r -> other.execute(r), () -> {
                    ranOn.set(Thread.currentThread().getName());
                    Async.sleep(Duration.ofMillis(1));
                    return "slept on " + Thread.currentThread().getName();
                });
                Async.gatherOutcomes(t).join();
                assertRefused(t, "runInExecutor(r -> otherLoop.execute(r), body) whose body ran on " + ranOn.get());
                return null;
            });
        } finally {
            other.callSoon(other::stop);
            runner.join(10_000);
            assertFalse(runner.isAlive(), "the other loop did not stop");
            other.close();
        }
    }

    /**
     * A non-blocking request handler hands a blocking call to a bounded pool with CallerRunsPolicy;
     * the pool is saturated, so the body runs on the thread that called execute(): the loop's.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCallerRunsPoolSaturatedRunsTheBodyOnTheLoopAndItIsRefusedBlockingCalls(Threading threading) throws Exception {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1), r -> {
            Thread th = new Thread(r, "caller-runs-pool");
            th.setDaemon(true);
            return th;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        CountDownLatch release = new CountDownLatch(1);
        try {
            pool.execute(() -> { try { release.await(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); } });
            pool.execute(() -> {}); // the queue is full now
            Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
                AtomicReference<String> ranOn = new AtomicReference<>();
                Task<Task<String>> handler = loop.createTaskAsync(() -> CompletableFuture.completedFuture(loop.runInExecutor(pool, () -> {
                    ranOn.set(Thread.currentThread().getName());
                    Async.sleep(Duration.ofMillis(1)); // "a JDBC call"
                    return "done";
                })));
                Task<String> call = handler.join();
                Async.gatherOutcomes(call).join();
                release.countDown();
                assertRefused(call, "a body that CallerRunsPolicy ran on " + ranOn.get());
                return null;
            });
        } finally {
            release.countDown();
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /**
     * The same body joining a promise that a loop timer completes: with the refusal the join throws
     * at once; without it the loop's thread parks in join and the timer never fires: the loop hangs
     * (the test completes the promise itself after 3 s to let it go).
     */
    @org.junit.jupiter.api.Test
    void aJoinInABodyTheLoopRunsHangsTheLoop() throws Exception {
        Loop loop = Async.newLoop();
        Promise<String> p = loop.createPromise();
        Task<String> t = loop.runInExecutor(loop, p::join);
        loop.callLater(Duration.ofMillis(10), () -> p.complete("from a timer"));
        // a plain thread runs the loop (not the common pool's: on JDK 25 its threads ignore
        // setUncaughtExceptionHandler, which hides the blocking-task mark; see RunInExecutorOnTheCommonPoolTest)
        CompletableFuture<Object> run = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            try {
                run.complete(loop.runUntilComplete(t));
            } catch (Throwable e) {
                run.complete(e);
            }
        }, "loop-runner");
        runner.start();
        boolean hung = false;
        try {
            run.get(3, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            hung = true;
            p.complete("from the test thread"); // lets the loop's thread go
            run.get(10, TimeUnit.SECONDS);
        } finally {
            runner.join(10_000);
            loop.close();
        }
        assertFalse(hung, "the loop hung: its thread parked in Task.join() inside a body the loop ran ("
                + t.state() + (t.state() == TaskState.SUCCESS ? ", " + t.resultNow() : "") + ")");
        assertRefused(t, "join in a body the loop ran");
    }
}
