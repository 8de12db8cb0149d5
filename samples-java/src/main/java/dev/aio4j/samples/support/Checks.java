package dev.aio4j.samples.support;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The claim checks of the samples: each throws {@link AssertionError} with a message that says
 * which claim broke and what was seen, so that the tour and the tests can report it.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class Checks {
    private Checks() {}

    /**
     * Checks one claim of a sample.
     *
     * @param condition whether the claim holds
     * @param message what the claim is and what was seen, for the failure
     * @throws AssertionError if {@code condition} is false
     */
    public static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError("claim failed: " + message);
        }
    }

    /**
     * Checks that {@code actual} equals {@code expected}.
     *
     * @param expected what the claim says
     * @param actual what the sample saw
     * @param what the claim, for the failure message
     * @throws AssertionError if they differ
     */
    public static void checkEquals(@Nullable Object expected, @Nullable Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError("claim failed: " + what + ": expected " + expected + " but was " + actual);
        }
    }
}
