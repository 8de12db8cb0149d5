package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import dev.aio4j.Async;
import dev.aio4j.ExceptionContext;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failure that happens while Loop.close() cancels the pending tasks is never reported.
 *
 * <p>Loop.close(): "Failures of the cancelled tasks other than their cancellation go to the
 * exception handler"; Task: "a failure that nobody retrieves ... reaches the loop's exception
 * handler", and a derived stage's function that throws makes a failure of the derived task's own.
 *
 * <p>The close's sweep (EventLoop.sweep) cancels, from one snapshot of the pending tasks, first
 * the blocking tasks whose body has not started, then every task of the snapshot again. A task of
 * the snapshot that has failed in between (here: a handle() stage whose input the first pass
 * cancelled, and whose function throws; in ThreadBodiesCancelTest's stress, a body that answers
 * the first pass's interrupt with a failure before the second pass reaches it) is done when the
 * second pass calls its cancel(), and "a cancel() of a task already done counts as retrieving its
 * failure" (TaskImpl.cancelWith → markRetrieved): the record is marked retrieved and the failure
 * goes nowhere.
 */
class FailureDuringTheCloseSweepTest {

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aStageThatFailsAsTheCloseCancelsItsInputIsReported(Threading threading) {
        List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
        List<Runnable> held = new ArrayList<>(); // an executor that has not got round to the body yet
        AtomicReference<Task<Integer>> input = new AtomicReference<>(), stage = new AtomicReference<>();
        IllegalStateException cleanupFailed = new IllegalStateException("clean-up failed");
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            loop.setExceptionHandler((l, ctx) -> reports.add(ctx));
            Task<Integer> n = loop.runInExecutor(held::add, () -> 1);
            input.set(n);
            stage.set(n.handle((v, e) -> {
                throw cleanupFailed; // the clean-up that runs when the input ends, and fails
            }));
            return null; // the run's close cancels n, and with it the stage's function runs and throws
        });
        assertTrue(input.get().isCancelled(), "the input: " + input.get().state());
        assertEquals(TaskState.FAILED, stage.get().state(), "the stage");
        assertTrue(reports.stream().anyMatch(c -> c.exception() == cleanupFailed),
                "the stage's failure, which nobody retrieved, was not reported; reports: " + reports);
    }

    /** The control: the same stage, failing because main cancelled its input before returning, is reported by the close. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void theSameFailureBeforeTheCloseIsReported(Threading threading) {
        List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
        List<Runnable> held = new ArrayList<>();
        IllegalStateException cleanupFailed = new IllegalStateException("clean-up failed");
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            loop.setExceptionHandler((l, ctx) -> reports.add(ctx));
            Task<Integer> n = loop.runInExecutor(held::add, () -> 1);
            Task<Integer> stage = n.handle((v, e) -> {
                throw cleanupFailed;
            });
            n.cancel();
            assertEquals(TaskState.FAILED, stage.state());
            return null;
        });
        assertTrue(reports.stream().anyMatch(c -> c.exception() == cleanupFailed), "reports: " + reports);
    }
}
