package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/** The API's value types: Outcome, Done, LoopOptions, TaskState and the exceptions. They need no implementation. */
class ValueTypesTest {

    @Test
    void outcomeGetOrThrowFollowsTheExceptionRule() {
        assertEquals("v", new Outcome.Success<>("v").getOrThrow());
        assertNull(new Outcome.Success<String>(null).getOrThrow());
        IllegalStateException unchecked = new IllegalStateException("x");
        assertSame(unchecked, assertThrows(IllegalStateException.class, () -> new Outcome.Failure<String>(unchecked).getOrThrow()));
        IOException checked = new IOException("io");
        assertSame(checked, assertThrows(TaskFailedException.class, () -> new Outcome.Failure<String>(checked).getOrThrow()).getCause());
        Error error = new OutOfMemoryError("oom");
        assertSame(error, assertThrows(OutOfMemoryError.class, () -> new Outcome.Failure<String>(error).getOrThrow()));
        CancellationException c = new CancellationException("c");
        assertSame(c, assertThrows(CancellationException.class, () -> new Outcome.Cancelled<String>(c).getOrThrow()));
    }

    @Test
    void aCancellationIsNotAFailure() {
        assertThrows(IllegalArgumentException.class, () -> new Outcome.Failure<String>(new CancellationException()));
        assertThrows(NullPointerException.class, () -> new Outcome.Failure<String>(null));
        assertThrows(NullPointerException.class, () -> new Outcome.Cancelled<String>(null));
    }

    @Test
    void doneCopiesAndKeepsOrder() {
        Set<Task<String>> done = new LinkedHashSet<>();
        Done<String> d = new Done<>(done, Set.of());
        assertTrue(d.done().isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> d.done().add(null));
        assertThrows(NullPointerException.class, () -> new Done<String>(null, Set.of()));
        assertThrows(NullPointerException.class, () -> new Done<String>(Set.of(), null));
        List<Task<String>> tasks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tasks.add(fakeTask("t" + i));
        }
        Set<Task<String>> source = new LinkedHashSet<>(tasks);
        assertEquals(tasks, new ArrayList<>(new Done<>(source, Set.of()).done()), "iteration order is kept");
        assertEquals(tasks, new ArrayList<>(new Done<>(Set.of(), source).pending()));
    }

    /** A stand-in task with identity equality; Done only stores tasks. */
    @SuppressWarnings("unchecked")
    private static Task<String> fakeTask(String name) {
        return (Task<String>) java.lang.reflect.Proxy.newProxyInstance(Task.class.getClassLoader(), new Class<?>[] {Task.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString", "name" -> name;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void loopOptionsDefaultsAndWithers() {
        LoopOptions d = LoopOptions.defaults();
        assertEquals(LoopOptions.Threading.SINGLE_THREAD, d.threading());
        assertFalse(d.debug());
        assertEquals(Duration.ofMillis(100), d.slowCallbackThreshold());
        LoopOptions changed = d.withDebug(true).withThreading(LoopOptions.Threading.DEFAULT_DISPATCHER).withSlowCallbackThreshold(Duration.ofSeconds(1));
        assertEquals(new LoopOptions(LoopOptions.Threading.DEFAULT_DISPATCHER, true, Duration.ofSeconds(1)), changed);
        assertEquals(LoopOptions.defaults(), d, "withers do not change the original");
        assertThrows(IllegalArgumentException.class, () -> d.withSlowCallbackThreshold(Duration.ofMillis(-1)));
        assertEquals("threading (LoopOptions)", assertThrows(NullPointerException.class, () -> d.withThreading(null)).getMessage());
        assertEquals("threshold (LoopOptions.withSlowCallbackThreshold)", assertThrows(NullPointerException.class, () -> d.withSlowCallbackThreshold(null)).getMessage());
    }

    @Test
    void taskStatesKnowWhichAreFinal() {
        assertFalse(TaskState.PENDING.isDone());
        assertFalse(TaskState.RUNNING.isDone());
        assertTrue(TaskState.SUCCESS.isDone());
        assertTrue(TaskState.FAILED.isDone());
        assertTrue(TaskState.CANCELLED.isDone());
    }

    @Test
    void exceptionsCarryWhatTheySay() {
        IOException cause = new IOException("io");
        TaskFailedException f = new TaskFailedException("task failed", cause);
        assertSame(cause, f.getCause());
        assertEquals("task failed", f.getMessage());
        AsyncTimeoutException t = new AsyncTimeoutException("late", Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(2), t.timeout());
        assertNull(new AsyncTimeoutException("late", null).timeout());
        assertThrows(NullPointerException.class, () -> new ExceptionContext(null, null, null));
        assertEquals("m", new ExceptionContext("m", null, null).message());
    }
}
