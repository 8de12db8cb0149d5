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

    /**
     * Waits (up to 10 s, a millisecond at a time) until {@code primitive}'s toString shows
     * {@code field=n}: the waiter made just before has joined the line. A fixed pause was not
     * enough: a blocking waiter's virtual thread may start late on a loaded machine.
     */
    static void awaitLine(Object primitive, String field, int n) {
        java.util.regex.Pattern want = java.util.regex.Pattern.compile("\\b" + field + "=" + n + "\\b");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!want.matcher(primitive.toString()).find()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + field + "=" + n + ": " + primitive);
            }
            dev.aio4j.Async.sleep(Duration.ofMillis(1));
        }
    }
}
