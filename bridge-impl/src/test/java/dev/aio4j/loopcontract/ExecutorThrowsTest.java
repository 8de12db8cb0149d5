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

    static final class Closed implements Executor {
        final IllegalStateException thrown = new IllegalStateException("this executor is closed");
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void execute(Runnable command) {
            calls.incrementAndGet();
            throw thrown;
        }
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void madeInAStepOfTheLoopTheTaskFailsWithWhatTheExecutorThrew(LoopOptions.Threading threading) {
        Closed executor = new Closed();
        LoopContractSupport.Reports reports = new LoopContractSupport.Reports();
        AtomicInteger bodies = new AtomicInteger();
        AtomicReference<Task<Integer>> made = new AtomicReference<>();
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            loop.setExceptionHandler(reports);
            Task<Throwable> outcome = loop.createTaskAsync(() -> {
                Task<Integer> t = loop.runInExecutor(executor, bodies::incrementAndGet);
                made.set(t);
                // a deadline far beyond the hand-over, which is the next step: the task must be done by then
                return Async.waitFor(t, Duration.ofSeconds(10)).handle((v, e) -> e);
            });
            Throwable e = outcome.join();
            assertSame(executor.thrown, e, "the task's failure is the executor's exception itself");
            assertEquals(TaskState.FAILED, made.get().state());
            assertFalse(loop.allTasks().contains(made.get()));
            return null;
        });
        assertEquals(1, executor.calls.get());
        assertEquals(0, bodies.get());
        reports.assertNone();
    }

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void madeOnAnotherThreadTheTaskFailsWithWhatTheExecutorThrew(LoopOptions.Threading threading) {
        Closed executor = new Closed();
        LoopContractSupport.Reports reports = new LoopContractSupport.Reports();
        AtomicInteger bodies = new AtomicInteger();
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            loop.setExceptionHandler(reports);
            Task<Integer> t = loop.runInExecutor(executor, bodies::incrementAndGet); // a blocking body's thread: handed over at once
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.join(Duration.ofSeconds(10)));
            assertSame(executor.thrown, e);
            assertEquals(TaskState.FAILED, t.state());
            assertFalse(loop.allTasks().contains(t));
            return null;
        });
        assertEquals(1, executor.calls.get());
        assertEquals(0, bodies.get());
        reports.assertNone();
    }

    /** An executor that ran the body and then threw: the body's outcome stands, the exception is not lost. */
    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void anExecutorThatRanTheBodyAndThenThrewLeavesTheBodysOutcome(LoopOptions.Threading threading) {
        IllegalStateException after = new IllegalStateException("threw after running it");
        Executor runsThenThrows = command -> {
            command.run();
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
