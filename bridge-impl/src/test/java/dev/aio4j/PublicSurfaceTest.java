package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What users see of the core names no internal class: cancellation is dev.aio4j's
 * TaskCancelledException carrying the task's name; a null argument gets a NullPointerException
 * naming the parameter and the public method. And Task.removeDoneCallback (asyncio's
 * remove_done_callback).
 */
class PublicSurfaceTest extends LoopFixture {

    /** Runs one step of the loop. */
    private void step() {
        Promise<Object> p = loop.createPromise();
        loop.callSoon(() -> p.complete(null));
        loop.runUntilComplete(p);
    }

    // ------------------------------------------------------------------ cancellation's type

    @Test
    void cancellationIsAPublicTypeThatCarriesTheTaskName() {
        Task<Integer> t = loop.createTaskAsync("worker", CompletableFuture::new);
        step();
        t.cancel();
        loop.runUntilComplete(Async.gatherOutcomes(t));
        Outcome.Cancelled<?> cancelled = assertInstanceOf(Outcome.Cancelled.class, t.outcomeNow());
        TaskCancelledException e = assertInstanceOf(TaskCancelledException.class, cancelled.exception());
        assertEquals("worker", e.taskName());
        assertFalse(t.toString().contains(".internal."), t::toString);
        assertFalse(e.toString().contains(".internal."), e::toString);
    }

    @Test
    void aBlockingTaskCancelledMidBodyEndsWithThePublicType() {
        Task<Integer> t = loop.createTask("sleeper", () -> {
            Async.sleep(Duration.ofMinutes(1));
            return 1;
        });
        loop.callLater(Duration.ofMillis(10), t::cancel);
        loop.runUntilComplete(Async.gatherOutcomes(t));
        Outcome.Cancelled<?> cancelled = assertInstanceOf(Outcome.Cancelled.class, t.outcomeNow());
        assertEquals("sleeper", assertInstanceOf(TaskCancelledException.class, cancelled.exception()).taskName());
    }

    @Test
    void inDebugModeTheCancellationHasAStackTrace() {
        Loop debug = Async.newLoop(LoopOptions.defaults().withDebug(true));
        try {
            Task<Integer> t = debug.createTaskAsync("d", CompletableFuture::new);
            t.cancel();
            debug.runUntilComplete(Async.gatherOutcomes(t));
            TaskCancelledException e = assertInstanceOf(TaskCancelledException.class, assertInstanceOf(Outcome.Cancelled.class, t.outcomeNow()).exception());
            assertTrue(e.getStackTrace().length > 0);
        } finally {
            debug.close();
        }
    }

    // ------------------------------------------------------------------ null arguments

    private static void npe(String expected, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void theExceptionTypesRefuseTheirRequiredArgumentsAsNull() {
        npe("cause (TaskFailedException)", () -> new dev.aio4j.TaskFailedException("m", null));
        npe("message (AsyncTimeoutException)", () -> new dev.aio4j.AsyncTimeoutException(null, java.time.Duration.ZERO));
        assertEquals(null, new dev.aio4j.AsyncTimeoutException("m", null).timeout()); // a null timeout is allowed: unknown
    }

    @Test
    void nullArgumentsOfLoopNameTheParameterAndTheMethod() {
        Runnable r = () -> { };
        Duration d = Duration.ofSeconds(1);
        npe("body (Loop.createTask)", () -> loop.createTask((java.util.concurrent.Callable<Integer>) null));
        npe("body (Loop.createTask)", () -> loop.createTask((ThrowingRunnable) null));
        npe("name (Loop.createTask)", () -> loop.createTask(null, () -> 1));
        npe("body (Loop.createTask)", () -> loop.createTask("n", (java.util.concurrent.Callable<Integer>) null));
        npe("body (Loop.createTask)", () -> loop.createTask("n", (ThrowingRunnable) null));
        npe("body (Loop.createTaskAsync)", () -> loop.createTaskAsync(null));
        npe("name (Loop.createTaskAsync)", () -> loop.createTaskAsync(null, CompletableFuture::new));
        npe("body (Loop.createTaskAsync)", () -> loop.createTaskAsync("n", null));
        npe("stage (Loop.adopt)", () -> loop.adopt(null));
        npe("executor (Loop.runInExecutor)", () -> loop.runInExecutor(null, () -> 1));
        npe("body (Loop.runInExecutor)", () -> loop.runInExecutor(Runnable::run, null));
        npe("callback (Loop.callSoon)", () -> loop.callSoon(null));
        npe("delay (Loop.callLater)", () -> loop.callLater(null, r));
        npe("callback (Loop.callLater)", () -> loop.callLater(d, null));
        npe("when (Loop.callAt)", () -> loop.callAt(null, r));
        npe("callback (Loop.callAt)", () -> loop.callAt(d, null));
        npe("command (Loop.execute)", () -> loop.execute(null));
        npe("future (Loop.runUntilComplete)", () -> loop.runUntilComplete(null));
        npe("context (Loop.callExceptionHandler)", () -> loop.callExceptionHandler(null));
    }

    @Test
    void nullArgumentsOfTaskNameTheParameterAndTheMethod() {
        Promise<Integer> p = loop.createPromise();
        npe("message (Task.cancel)", () -> p.cancel(null));
        npe("timeout (Task.join)", () -> p.join(null));
        npe("callback (Task.addDoneCallback)", () -> p.addDoneCallback(null));
        npe("callback (Task.removeDoneCallback)", () -> p.removeDoneCallback(null));
        npe("exception (Promise.fail)", () -> p.fail(null));
        p.cancel();
    }

    @Test
    void nullArgumentsOfAsyncNameTheParameterAndTheMethod() {
        Duration d = Duration.ofSeconds(1);
        Promise<Integer> p = loop.createPromise();
        npe("main (Async.run)", () -> Async.run((ThrowingFunction<Loop, Integer>) null));
        npe("main (Async.runAsync)", () -> Async.runAsync(null));
        npe("options (Async.newLoop)", () -> Async.newLoop(null));
        npe("delay (Async.sleep)", () -> Async.sleep(null));
        npe("delay (Async.sleepAsync)", () -> Async.sleepAsync(null));
        npe("tasks (Async.gather)", () -> Async.gather((List<Task<Integer>>) null));
        npe("tasks[1] (Async.gather)", () -> Async.gather(p, null));
        npe("tasks (Async.gatherOutcomes)", () -> Async.gatherOutcomes((List<Task<Integer>>) null));
        npe("tasks (Async.wait)", () -> Async.wait(null));
        npe("returnWhen (Async.wait)", () -> Async.wait(List.of(p), null));
        npe("tasks (Async.asCompleted)", () -> Async.asCompleted(null));
        npe("task (Async.waitFor)", () -> Async.waitFor(null, d));
        npe("timeout (Async.waitFor)", () -> Async.waitFor(p, null));
        npe("timeout (Async.timeout)", () -> Async.timeout(null, () -> 1));
        npe("body (Async.timeout)", () -> Async.timeout(d, null));
        npe("body (Async.timeoutAsync)", () -> Async.timeoutAsync(d, null));
        npe("task (Async.shield)", () -> Async.shield(null));
        npe("body (Async.toThread)", () -> Async.toThread(null));
        npe("body (Async.taskGroup)", () -> Async.taskGroup((ThrowingFunction<TaskGroup, Integer>) null));
        npe("body (Async.taskGroupAsync)", () -> Async.taskGroupAsync(null));
        p.cancel();
    }

    // ------------------------------------------------------------------ removeDoneCallback

    @Test
    void removeDoneCallbackRemovesEveryRegistrationAndSaysHowMany() {
        Promise<Integer> p = loop.createPromise();
        List<String> calls = new CopyOnWriteArrayList<>();
        Consumer<Task<Integer>> a = t -> calls.add("a");
        Consumer<Task<Integer>> b = t -> calls.add("b");
        p.addDoneCallback(a);
        p.addDoneCallback(b);
        p.addDoneCallback(a);
        assertEquals(2, p.removeDoneCallback(a));
        assertEquals(0, p.removeDoneCallback(a));
        p.complete(1);
        step();
        step();
        assertEquals(List.of("b"), calls);
        assertEquals(0, p.removeDoneCallback(b), "a done task's callbacks are scheduled already: nothing to remove");
    }

    @Test
    void manyShortLivedWaitersDoNotPileUpOnALongLivedTask() {
        Promise<Integer> longLived = loop.createPromise();
        List<Consumer<Task<Integer>>> added = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Consumer<Task<Integer>> c = t -> { };
            longLived.addDoneCallback(c);
            added.add(c);
        }
        int removed = 0;
        for (Consumer<Task<Integer>> c : added) {
            removed += longLived.removeDoneCallback(c);
        }
        assertEquals(1000, removed);
        longLived.cancel();
    }
}
