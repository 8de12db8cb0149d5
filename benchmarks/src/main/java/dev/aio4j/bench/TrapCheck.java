package dev.aio4j.bench;

import dev.aio4j.Async;
import dev.aio4j.Task;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * "Never the JDK trap": checks where aio4j runs user work. Non-blocking bodies, done callbacks and
 * the {@code ...Async} stage methods without an executor must run on the loop's thread, never on
 * {@code ForkJoinPool.commonPool()} or on the new thread per task that
 * {@code CompletableFuture}'s default async executor starts when the common pool's parallelism
 * is below 2; blocking-style bodies run on virtual threads (JDK 21+). Prints one JSON line with
 * {@code "ok": true} or the checks that failed; exits 1 on a failure.
 */
public final class TrapCheck {
    private TrapCheck() {}

    /**
     * Runs the checks.
     *
     * @param args none
     * @throws Exception if aio4j fails
     */
    public static void main(String[] args) throws Exception {
        List<String> failures = new ArrayList<>();
        Thread caller = Thread.currentThread();
        AtomicReference<Thread> body = new AtomicReference<>();
        AtomicReference<Thread> applyAsync = new AtomicReference<>();
        AtomicReference<Thread> runAsync = new AtomicReference<>();
        AtomicReference<Thread> callback = new AtomicReference<>();
        AtomicReference<Thread> blocking = new AtomicReference<>();
        CountDownLatch callbackRan = new CountDownLatch(1);
        Async.runAsync(loop -> {
            Task<Integer> task = loop.createTaskAsync(() -> {
                body.set(Thread.currentThread());
                return CompletableFuture.completedFuture(1);
            });
            task.addDoneCallback(t -> {
                callback.set(Thread.currentThread());
                callbackRan.countDown();
            });
            Task<Integer> blockingTask = loop.createTask(() -> {
                blocking.set(Thread.currentThread());
                return 2;
            });
            return task.thenApplyAsync(x -> {
                applyAsync.set(Thread.currentThread());
                return x;
            }).thenCompose(x -> task.toCompletableFuture().thenRunAsync(() -> runAsync.set(Thread.currentThread())))
                    .thenCompose(v -> blockingTask);
        });
        if (!callbackRan.await(10, TimeUnit.SECONDS)) failures.add("the done callback did not run");
        check(failures, "createTaskAsync body", body.get(), caller);
        check(failures, "Task.thenApplyAsync(fn)", applyAsync.get(), caller);
        check(failures, "toCompletableFuture().thenRunAsync(r)", runAsync.get(), caller);
        check(failures, "addDoneCallback", callback.get(), caller);
        Thread b = blocking.get();
        if (b == null || b instanceof ForkJoinWorkerThread) failures.add("createTask body ran on " + b);
        else if (JdkPeers.hasVirtualThreads() && !isVirtual(b)) failures.add("createTask body ran on a platform thread on JDK " + Measure.jvm() + ": " + b);

        String jdkDefault = CompletableFuture.supplyAsync(() -> Thread.currentThread().getName()).join();
        System.out.println(new Measure.Json().put("check", "trap").put("ok", failures.isEmpty()).put("failures", String.join("; ", failures))
                .put("common_pool_parallelism", ForkJoinPool.getCommonPoolParallelism())
                .put("jdk_default_async_thread", jdkDefault)
                .put("blocking_body_thread", String.valueOf(b))
                .put("jvm", Measure.jvm()));
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    private static void check(List<String> failures, String what, Thread ran, Thread loop) {
        if (ran != loop) failures.add(what + " ran on " + ran + ", not on the loop's thread " + loop);
    }

    private static boolean isVirtual(Thread t) throws ReflectiveOperationException {
        Method m = Thread.class.getMethod("isVirtual");
        return (Boolean) m.invoke(t);
    }
}
