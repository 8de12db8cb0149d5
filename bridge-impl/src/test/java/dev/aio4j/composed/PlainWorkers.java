package dev.aio4j.composed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A user's hand-rolled pool: worker threads that take jobs from a queue and run them, as plain
 * Java code does, without ThreadPoolExecutor's clearing of the interrupt flag before each job. An
 * interrupt left on a worker after a job (a cancelled task's interrupt that reached the thread
 * after its body had returned) makes the next take() throw: counted in {@link #leftoverInterrupts}.
 */
final class PlainWorkers implements Executor {
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closing;
    final AtomicInteger leftoverInterrupts = new AtomicInteger();
    final AtomicInteger jobsRun = new AtomicInteger();

    PlainWorkers(int n, String name) {
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(this::work, name + "-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    private void work() {
        while (!closing) {
            Runnable r;
            try {
                r = queue.take();
            } catch (InterruptedException e) {
                if (!closing) leftoverInterrupts.incrementAndGet();
                continue;
            }
            if (Thread.currentThread().isInterrupted() && !closing) leftoverInterrupts.incrementAndGet();
            try {
                r.run();
            } catch (Throwable e) {
                // a job's own failure: not the pool's business
            }
            jobsRun.incrementAndGet();
        }
    }

    @Override
    public void execute(Runnable command) {
        if (closing) throw new RejectedExecutionException("the workers are closed");
        queue.add(command);
    }

    /** Stops the workers and waits until their threads have ended. */
    void close() throws InterruptedException {
        closing = true;
        for (Thread t : threads) t.interrupt();
        for (Thread t : threads) {
            t.join(10_000);
            if (t.isAlive()) throw new AssertionError("a worker did not end: " + t.getName());
        }
    }
}
