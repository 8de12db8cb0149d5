package dev.aio4j.samples.support;

import java.time.Duration;

/**
 * How fast the samples run. The tutorials wait "1 second" per request or step; the samples wait
 * {@link #UNIT} instead, so that the whole tour takes seconds, and say so when they print.
 */
public final class Pace {
    private Pace() {}

    /** What the tutorials' "1 second" is here: 400 ms. */
    public static final Duration UNIT = Duration.ofMillis(400);

    /**
     * {@return {@code n} units}, e.g. {@code units(2)} for the tutorial's "2 seconds"
     *
     * @param n how many units, may be fractional
     */
    public static Duration units(double n) {
        return Duration.ofNanos(Math.round(UNIT.toNanos() * n));
    }

    /** {@return the line each sample prints to say how its seconds are scaled} */
    public static String scaleNote() {
        return "(the tutorial's 1 s is " + UNIT.toMillis() + " ms here)";
    }
}
