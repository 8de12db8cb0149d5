package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.aio4j.Async;
import dev.aio4j.LoopOptions;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An executor given to {@code runInExecutor} whose {@code execute} throws something other than a
 * {@link java.util.concurrent.RejectedExecutionException} (a user's executor shut down its own way;
 * the JVM unable to make a platform thread): the task fails with that exception, as with a
 * rejection, whichever thread created it. Before, made in a step of the loop the task stayed
 * pending for ever (the exception went to the loop's exception handler), and made on another
 * thread {@code runInExecutor} threw it with the task left in the loop.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExecutorThrowsTest {

    /** An executor that refuses every body with its own exception, and the body given to it. */
    static final class Closed implements Executor {
        final IllegalStateException thrown = new IllegalStateException("this executor is closed");
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger bodies = new AtomicInteger();
        final java.util.concurrent.Callable<Integer> body = bodies::incrementAndGet;
        final LoopContractSupport.Reports reports = new LoopContractSupport.Reports();

        @Override
        public void execute(Runnable command) {
            calls.incrementAndGet();
            throw thrown;
        }

        /** [task] failed with this executor's exception itself, and left the loop. */
        void assertFailedWithIt(dev.aio4j.Loop loop, Task<?> task, Throwable failure) {
            assertSame(thrown, failure, "the task's failure is the executor's exception itself");
            assertEquals(TaskState.FAILED, task.state());
            assertFalse(loop.allTasks().contains(task));
        }

        /** After the run: asked once, the body never ran, nothing went to the exception handler. */
        void assertAskedOnceAndNothingElse() {
            assertEquals(1, calls.get());
            assertEquals(0, bodies.get());
            reports.assertNone();
        }
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void madeInAStepOfTheLoopTheTaskFailsWithWhatTheExecutorThrew(LoopOptions.Threading threading) {
        Closed executor = new Closed();
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            loop.setExceptionHandler(executor.reports);
            AtomicReference<Task<Integer>> made = new AtomicReference<>();
            Task<Throwable> outcome = loop.createTaskAsync(() -> {
                Task<Integer> t = loop.runInExecutor(executor, executor.body);
                made.set(t);
                // a deadline far beyond the hand-over, which is the next step: the task must be done by then
                return Async.waitFor(t, Duration.ofSeconds(10)).handle((v, e) -> e);
            });
            Throwable failure = outcome.join(); // the task is made by then
            executor.assertFailedWithIt(loop, made.get(), failure);
            return null;
        });
        executor.assertAskedOnceAndNothingElse();
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void madeOnAnotherThreadTheTaskFailsWithWhatTheExecutorThrew(LoopOptions.Threading threading) {
        Closed executor = new Closed();
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            loop.setExceptionHandler(executor.reports);
            Task<Integer> t = loop.runInExecutor(executor, executor.body); // a blocking body's thread: handed over at once
            executor.assertFailedWithIt(loop, t, assertThrows(IllegalStateException.class, () -> t.join(Duration.ofSeconds(10))));
            return null;
        });
        executor.assertAskedOnceAndNothingElse();
    }

    /** An executor that ran the body and then threw: the body's outcome stands, the exception is not lost. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void anExecutorThatRanTheBodyAndThenThrewLeavesTheBodysOutcome(LoopOptions.Threading threading) {
        IllegalStateException after = new IllegalStateException("threw after running it");
        Executor runsThenThrows = command -> { // runs it on a thread of its own (on the loop's, the body would be refused), waits, throws
            Thread runner = new Thread(command, "runs-then-throws");
            runner.start();
            try {
                runner.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            throw after;
        };
        LoopContractSupport.Reports reports = new LoopContractSupport.Reports();
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            loop.setExceptionHandler(reports);
            Task<Integer> t = loop.createTaskAsync(() -> CompletableFuture.completedFuture(loop.runInExecutor(runsThenThrows, () -> 42))).join();
            assertEquals(42, t.join(Duration.ofSeconds(10)));
            return null;
        });
        assertEquals(1, reports.seen.size(), "the executor's exception reaches the exception handler once: " + reports.seen);
        assertSame(after, reports.seen.get(0).exception());
    }
}
