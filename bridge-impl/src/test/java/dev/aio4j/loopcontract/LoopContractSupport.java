package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.ExceptionContext;
import dev.aio4j.Loop;
import dev.aio4j.LoopExceptionHandler;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.function.Executable;

/** Helpers of the tests of the loop's contract (callbacks, threads, misuse). */
final class LoopContractSupport {
    private LoopContractSupport() {}

    /** Rounds of a race test: -Dloopcontract.rounds=N, else {@code dflt}. */
    static int rounds(int dflt) {
        return Integer.getInteger("loopcontract.rounds", dflt);
    }

    /** Waits (up to 10 s) until {@code condition} holds. */
    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Asserts an IllegalStateException that is not a cancellation, and returns it. */
    static IllegalStateException assertIse(Executable call, String what) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call, what);
        assertFalse(e instanceof CancellationException, what + ": a cancellation, not misuse: " + e);
        return e;
    }

    /** Names of the live threads whose name contains {@code part}. */
    static List<String> liveThreads(String part) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.contains(part))
                .sorted()
                .toList();
    }

    /** An exception handler that records every report. */
    static final class Reports implements LoopExceptionHandler {
        final List<ExceptionContext> seen = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();

        @Override
        public void handle(Loop loop, ExceptionContext context) {
            threads.add(Thread.currentThread());
            seen.add(context);
        }

        void assertNone() {
            assertTrue(seen.isEmpty(), "unexpected reports: " + seen);
        }
    }
}
