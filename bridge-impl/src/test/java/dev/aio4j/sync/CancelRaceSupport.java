package dev.aio4j.sync;

import dev.aio4j.Task;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/** Helpers of the cancellation race tests of the primitives. */
final class CancelRaceSupport {
    private CancelRaceSupport() {}

    /** Busy-waits about {@code micros} µs: a race partner's random delay without parking. */
    static void spinMicros(long micros) {
        long end = System.nanoTime() + micros * 1_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    /** Waits (up to 10 s) until {@code condition} holds. */
    static void until(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for a condition");
            }
            Thread.onSpinWait();
        }
    }

    /** How {@code t} ended, within 10 s: "ok:" + result, "timeout", "cancelled", "failed:" + e, or "HUNG". */
    static String outcome(Task<?> t) {
        try {
            return "ok:" + t.join(Duration.ofSeconds(10));
        } catch (dev.aio4j.AsyncTimeoutException e) {
            return t.isDone() ? "timeout" : "HUNG " + t.state();
        } catch (CancellationException e) {
            return "cancelled";
        } catch (RuntimeException e) {
            return "failed:" + e;
        }
    }

    /** Fails, showing the first five, if any of the {@code rounds} rounds went wrong. */
    static void assertNoBadRound(java.util.List<String> bad, int rounds) {
        org.junit.jupiter.api.Assertions.assertTrue(bad.isEmpty(),
                bad.size() + " bad of " + rounds + ": " + String.join("\n  ", bad.subList(0, Math.min(5, bad.size()))));
    }
}
