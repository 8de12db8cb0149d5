package dev.aio4j.samples.support;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Wall-clock measurement for the samples' timing claims, which compare durations as ratios with
 * generous margins, never as exact times.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class Timing {
    private Timing() {}

    /**
     * A result with the wall time it took.
     *
     * @param value what the measured code returned
     * @param elapsed how long it took
     * @param <T> the type of the result
     */
    public record Timed<T extends @Nullable Object>(T value, Duration elapsed) {
        /** {@return the elapsed time in milliseconds} */
        public long millis() {
            return elapsed.toMillis();
        }
    }

    /**
     * Runs {@code body} on the calling thread and measures it.
     *
     * @param body the code to measure
     * @param <T> the type of its result
     * @return its result and how long it took
     * @throws Exception what {@code body} throws, as it threw it
     */
    public static <T extends @Nullable Object> Timed<T> measure(Callable<T> body) throws Exception {
        long start = System.nanoTime();
        T value = body.call();
        return new Timed<>(value, Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Runs {@code body} on the calling thread and returns how long it took.
     *
     * @param body the code to measure
     * @return how long it took
     * @throws Exception what {@code body} throws, as it threw it
     */
    public static Duration time(ThrowingRunnable body) throws Exception {
        long start = System.nanoTime();
        body.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Code to measure that returns nothing and may throw. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        /**
         * Runs the code.
         *
         * @throws Exception what the code throws
         */
        void run() throws Exception;
    }

    /**
     * {@return {@code d} as milliseconds with a unit, for printing}
     *
     * @param d the duration
     */
    public static String ms(Duration d) {
        return d.toMillis() + " ms";
    }
}
