package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;

/**
 * When a task's body starts: a task created on the loop's thread starts no earlier than the
 * loop's next step (asyncio's create_task schedules the first step with call_soon), so a cancel()
 * in the step that created it means its body never runs. Repeated: the blocking form used to hand
 * its body to a thread at once, which then raced the cancel().
 */
class TaskStartTest extends LoopFixture {
    private static final int REPETITIONS = 300;

    @RepeatedTest(REPETITIONS)
    void blockingTaskCancelledInTheStepOfANonBlockingBodyThatCreatedItNeverRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        Task<Integer> created = loop.runUntilComplete(loop.createTaskAsync(() -> {
            Task<Integer> t = loop.createTask(() -> {
                ran.set(true);
                return 1;
            });
            t.cancel();
            return Async.gatherOutcomes(t).thenApply(outcomes -> t);
        }));
        assertEquals(TaskState.CANCELLED, created.state());
        assertFalse(ran.get(), "the body ran although the task was cancelled in the step that created it");
    }

    @RepeatedTest(REPETITIONS)
    void blockingTaskCancelledInTheCallbackThatCreatedItNeverRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        Promise<Task<Integer>> made = loop.createPromise();
        loop.callSoon(() -> {
            Task<Integer> t = loop.createTask(() -> {
                ran.set(true);
                return 1;
            });
            t.cancel();
            made.complete(t);
        });
        Task<Integer> created = loop.runUntilComplete(made);
        loop.runUntilComplete(Async.gatherOutcomes(created));
        assertEquals(TaskState.CANCELLED, created.state());
        assertFalse(ran.get(), "the body ran although the task was cancelled in the step that created it");
    }

    @RepeatedTest(REPETITIONS)
    void nonBlockingTaskCancelledInTheStepThatCreatedItNeverRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        Task<Integer> created = loop.runUntilComplete(loop.createTaskAsync(() -> {
            Task<Integer> t = loop.createTaskAsync(() -> {
                ran.set(true);
                return CompletableFuture.completedFuture(1);
            });
            t.cancel();
            return Async.gatherOutcomes(t).thenApply(outcomes -> t);
        }));
        assertEquals(TaskState.CANCELLED, created.state());
        assertFalse(ran.get());
    }

    @RepeatedTest(REPETITIONS)
    void waitForWithZeroTimeoutOnATaskNotStartedRaisesTheTimeoutAndCancelsIt() {
        AtomicBoolean ran = new AtomicBoolean();
        List<Task<Integer>> both = loop.runUntilComplete(loop.createTaskAsync(() -> {
            Task<Integer> inner = loop.createTask(() -> {
                ran.set(true);
                return 1;
            });
            Task<Integer> waited = Async.waitFor(inner, Duration.ZERO);
            return Async.gatherOutcomes(waited, inner).thenApply(outcomes -> List.of(waited, inner));
        }));
        assertEquals(TaskState.FAILED, both.get(0).state());
        assertInstanceOf(AsyncTimeoutException.class, both.get(0).exceptionNow());
        assertEquals(TaskState.CANCELLED, both.get(1).state());
        assertFalse(ran.get());
    }

    @RepeatedTest(REPETITIONS)
    void blockingTaskCreatedFromABlockingBodyMayStartAtOnce() {
        // another thread than the loop's: the task starts without waiting for a step of the loop
        int value = Async.run(l -> {
            Task<Integer> t = l.createTask(() -> 7);
            return t.join();
        });
        assertEquals(7, value);
    }
}
