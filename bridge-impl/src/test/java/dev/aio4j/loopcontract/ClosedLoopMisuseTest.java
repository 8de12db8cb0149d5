package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Promise;
import dev.aio4j.ReturnWhen;
import dev.aio4j.Task;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The closed-loop half of the misuse contract, past what LoopCloseTest covers (the Loop's own
 * factories): Task's "a stage method on a task of a closed loop throws IllegalStateException",
 * addDoneCallback's "IllegalStateException if the task's loop is closed, even when the task is
 * done", and the Async combinators over tasks of a closed loop. None may call a user function, and
 * none may hand back a task that never completes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClosedLoopMisuseTest {

    private static final AtomicInteger CALLS = new AtomicInteger();

    /** A proxy of a functional interface that counts its calls. */
    @SuppressWarnings("unchecked")
    private static <F> F counting(Class<F> iface) {
        return (F) Proxy.newProxyInstance(ClosedLoopMisuseTest.class.getClassLoader(), new Class<?>[] {iface}, (self, m, args) -> {
            switch (m.getName()) {
                case "toString": return "counting(" + iface.getSimpleName() + ")";
                case "hashCode": return System.identityHashCode(self);
                case "equals": return self == args[0];
                default: break;
            }
            CALLS.incrementAndGet();
            if (CompletionStage.class.isAssignableFrom(m.getReturnType())) return CompletableFuture.completedFuture("x");
            if (m.getReturnType() == boolean.class) return false;
            return null;
        });
    }

    private static Object argFor(Class<?> t, Task<?> other) {
        if (t == CompletionStage.class) return other;
        if (t == Executor.class) return (Executor) r -> {
            CALLS.incrementAndGet();
            r.run();
        };
        if (t.isInterface()) return counting(t);
        throw new IllegalStateException("no argument for " + t);
    }

    @Test
    void everyStageMethodOfADoneTaskOfAClosedLoopThrowsIseAndCallsNothing() throws Exception {
        Loop loop = Async.newLoop();
        Promise<String> p = loop.createPromise();
        p.complete("v");
        Promise<String> other = loop.createPromise();
        other.complete("w");
        loop.close();
        Map<String, String> wrong = new TreeMap<>();
        int checked = 0;
        for (Method m : CompletionStage.class.getMethods()) {
            if (m.getName().equals("toCompletableFuture") || java.lang.reflect.Modifier.isStatic(m.getModifiers())) continue;
            Object[] args = new Object[m.getParameterCount()];
            for (int i = 0; i < args.length; i++) args[i] = argFor(m.getParameterTypes()[i], other);
            CALLS.set(0);
            String sig = m.getName() + "/" + m.getParameterCount();
            checked++;
            try {
                Object r = m.invoke(p, args);
                String state = r instanceof Task<?> t ? t.state().toString() : String.valueOf(r);
                wrong.put(sig, "returned " + state + " (calls " + CALLS.get() + ")");
            } catch (InvocationTargetException e) {
                Throwable c = e.getCause();
                if (!(c instanceof IllegalStateException) || c instanceof java.util.concurrent.CancellationException) {
                    wrong.put(sig, "threw " + c);
                } else if (CALLS.get() != 0) {
                    wrong.put(sig, "threw ISE but called a function " + CALLS.get() + " times");
                }
            }
        }
        assertTrue(checked >= 38, "checked " + checked);
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + checked + " stage methods broke the contract: " + wrong);
    }

    @Test
    void addDoneCallbackOnADoneTaskOfAClosedLoopThrowsIseAndNeverRunsIt() {
        Loop loop = Async.newLoop();
        Promise<String> p = loop.createPromise();
        p.complete("v");
        Task<String> pending = loop.createTaskAsync(CompletableFuture::new); // cancelled by the close
        loop.close();
        AtomicInteger ran = new AtomicInteger();
        LoopContractSupport.assertIse(() -> p.addDoneCallback(t -> ran.incrementAndGet()), "addDoneCallback on a done task");
        LoopContractSupport.assertIse(() -> pending.addDoneCallback(t -> ran.incrementAndGet()), "addDoneCallback on a cancelled task");
        LoopContractSupport.sleepMs(50);
        assertEquals(0, ran.get());
    }

    /**
     * The Async combinators given tasks of a closed loop: each throws IllegalStateException (as
     * the loop's factories do, and as asCompleted documents), or at least returns a task that is
     * done; never a task that stays pending for ever, and never a call of the user's function.
     */
    @Test
    void combinatorsOverTasksOfAClosedLoopRefuseOrAreDoneNeverPending() {
        Loop loop = Async.newLoop();
        Promise<String> p = loop.createPromise();
        p.complete("v");
        Promise<String> q = loop.createPromise();
        q.complete("w");
        loop.close();
        Map<String, Supplier<Object>> calls = new java.util.LinkedHashMap<>();
        calls.put("gather", () -> Async.gather(p, q));
        calls.put("gather(list)", () -> Async.gather(List.of(p, q)));
        calls.put("gatherOutcomes", () -> Async.gatherOutcomes(p, q));
        calls.put("wait", () -> Async.wait(List.of(p, q)));
        calls.put("wait(FIRST_COMPLETED)", () -> Async.wait(List.of(p, q), ReturnWhen.FIRST_COMPLETED));
        calls.put("wait(timeout)", () -> Async.wait(List.of(p, q), ReturnWhen.ALL_COMPLETED, Duration.ofSeconds(1)));
        calls.put("waitFor", () -> Async.waitFor(p, Duration.ofSeconds(1)));
        calls.put("shield", () -> Async.shield(p));
        calls.put("asCompletedAsync", () -> Async.asCompletedAsync(List.of(p, q)).toList());
        calls.put("asCompleted", () -> {
            List<Object> out = new ArrayList<>();
            Async.asCompleted(List.of(p, q)).forEach(out::add);
            return out;
        });
        calls.put("gather(CompletableFuture first)", () -> Async.gather(CompletableFuture.completedFuture("c"), p));
        Map<String, String> wrong = new TreeMap<>();
        for (Map.Entry<String, Supplier<Object>> c : calls.entrySet()) {
            try {
                Object r = c.getValue().get();
                if (r instanceof Task<?> t) {
                    try {
                        t.join(Duration.ofSeconds(2));
                    } catch (dev.aio4j.AsyncTimeoutException e) {
                        wrong.put(c.getKey(), "returned a task still " + t.state() + " after 2 s");
                    } catch (RuntimeException e) {
                        // done: fine
                    }
                }
            } catch (IllegalStateException e) {
                if (e instanceof java.util.concurrent.CancellationException) wrong.put(c.getKey(), "threw " + e);
            } catch (RuntimeException e) {
                wrong.put(c.getKey(), "threw " + e);
            }
        }
        assertTrue(wrong.isEmpty(), "combinators over a closed loop's tasks: " + wrong);
    }

    /** The factories that take a user function or executor call none of them on a closed loop. */
    @Test
    void theClosedLoopsFactoriesCallNoUserCode() {
        Loop loop = Async.newLoop();
        loop.close();
        AtomicInteger calls = new AtomicInteger();
        Executor ex = r -> {
            calls.incrementAndGet();
            r.run();
        };
        List<Executable> refused = List.of(
                () -> loop.runInExecutor(ex, () -> calls.incrementAndGet()),
                () -> loop.createTask(() -> calls.incrementAndGet()),
                () -> loop.createTaskAsync(() -> {
                    calls.incrementAndGet();
                    return CompletableFuture.completedFuture(1);
                }),
                () -> loop.callSoon(calls::incrementAndGet),
                () -> loop.callLater(Duration.ZERO, calls::incrementAndGet),
                () -> loop.callAt(Duration.ZERO, calls::incrementAndGet));
        for (Executable e : refused) LoopContractSupport.assertIse(e, "a factory of a closed loop");
        LoopContractSupport.sleepMs(50);
        assertEquals(0, calls.get(), "user code ran for a refused call");
        try {
            loop.execute(calls::incrementAndGet);
            fail("execute on a closed loop accepted");
        } catch (java.util.concurrent.RejectedExecutionException expected) {
            // documented
        }
        assertEquals(0, calls.get());
    }
}
