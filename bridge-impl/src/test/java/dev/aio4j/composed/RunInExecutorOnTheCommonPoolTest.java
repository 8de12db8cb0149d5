package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import java.time.Duration;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Loop.runInExecutor(ForkJoinPool.commonPool(), body): the JDK's default pool, the one
 * CompletableFuture.supplyAsync uses. A runInExecutor task is a blocking-style task
 * (ARCHITECTURE.md's table of kinds), so inside its body Loop.current() is its loop ("the thread of
 * one of its blocking-style tasks"), Async.currentTask() is the task ("the blocking-style task of
 * this thread"), and the blocking scopes that need the current loop (Async.timeout) work.
 *
 * <p>aio4j marks a blocking task's thread by making the task the thread's uncaught-exception
 * handler (Current.kt). From JDK 24 on the common pool's threads are
 * ForkJoinWorkerThread.InnocuousForkJoinWorkerThread, whose setUncaughtExceptionHandler does
 * nothing: the mark is lost, and the body belongs to no loop.
 */
class RunInExecutorOnTheCommonPoolTest {

    @ParameterizedTest
    @EnumSource(Threading.class)
    void theBodyKnowsItsLoopAndItsTask(Threading threading) {
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            AtomicReference<Object> current = new AtomicReference<>();
            AtomicReference<Task<?>> currentTask = new AtomicReference<>();
            AtomicReference<String> thread = new AtomicReference<>();
            Task<String> t = loop.runInExecutor(ForkJoinPool.commonPool(), () -> {
                thread.set(Thread.currentThread().getClass().getName());
                try {
                    current.set(Loop.current());
                } catch (IllegalStateException e) {
                    current.set(e);
                }
                currentTask.set(Async.currentTask());
                return "done";
            });
            assertEquals("done", t.join());
            assertSame(loop, current.get(), "Loop.current() in a runInExecutor body on " + thread.get());
            assertSame(t, currentTask.get(), "Async.currentTask() in a runInExecutor body on " + thread.get());
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aTimeoutScopeInTheBodyWorks(Threading threading) {
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            Task<String> t = loop.runInExecutor(ForkJoinPool.commonPool(), () -> Async.timeout(Duration.ofSeconds(10), () -> "in time"));
            Async.gatherOutcomes(t).join();
            assertEquals("in time", t.state() == dev.aio4j.TaskState.SUCCESS ? t.resultNow() : String.valueOf(t.exceptionNow()),
                    "Async.timeout in a runInExecutor body on the common pool");
            return null;
        });
    }
}
