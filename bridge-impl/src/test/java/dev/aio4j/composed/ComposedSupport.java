package dev.aio4j.composed;

import dev.aio4j.Loop;
import dev.aio4j.Task;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/** What the composed scenarios share: a cancel from another thread at a chosen moment, the run on a thread of its own, a thread dump for a hang. */
final class ComposedSupport {
    private ComposedSupport() {}

    /** Starts a thread that spins for {@code delayMicros} and then cancels {@code task}; join it after the round. */
    static Thread cancelAfter(Task<?> task, long delayMicros) {
        Thread canceller = new Thread(() -> {
            long end = System.nanoTime() + delayMicros * 1000;
            while (System.nanoTime() < end) Thread.onSpinWait();
            task.cancel();
        });
        canceller.start();
        return canceller;
    }

    /** Runs {@code loop} until {@code task} is done, on another thread; a cancellation of the task is the expected end. */
    static CompletableFuture<Void> runUntilComplete(Loop loop, Task<?> task) {
        return CompletableFuture.runAsync(() -> {
            try {
                loop.runUntilComplete(task);
            } catch (CancellationException e) {
                // expected: the canceller got there first
            }
        });
    }

    static void dumpThreads() {
        for (var e : Thread.getAllStackTraces().entrySet()) {
            System.out.println(e.getKey());
            for (var s : e.getValue()) System.out.println("   at " + s);
        }
    }
}
