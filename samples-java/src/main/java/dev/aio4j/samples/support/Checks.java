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
     * Checks one claim about wall-clock time (how long something took, how late it came): like
     * {@link #check}, but what it throws is a {@link TimingClaimFailed}, which
     * {@link #retryingTimingClaims} may run the sample again for. A loaded machine can stall any
     * thread for hundreds of milliseconds, so that one measurement says nothing; a defect that the
     * claim is there for (work done one after another instead of concurrently, a timer that fires
     * early) fails every run. Lower bounds that sleeps guarantee fail every run too.
     *
     * @param condition whether the claim holds
     * @param message what the claim is and what was seen, for the failure
     * @throws TimingClaimFailed if {@code condition} is false
     */
    public static void checkTiming(boolean condition, String message) {
        if (!condition) {
            throw new TimingClaimFailed("claim failed: " + message);
        }
    }

    /** A failed {@link #checkTiming} claim: a wall-clock measurement out of its bounds. */
    public static final class TimingClaimFailed extends AssertionError {
        private static final long serialVersionUID = 1L;

        TimingClaimFailed(String message) {
            super(message);
        }
    }

    /** What {@link #retryingTimingClaims} runs. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs it.
         *
         * @throws Exception if it could not run
         */
        void run() throws Exception;
    }

    /** How many times {@link #retryingTimingClaims} runs a sample whose timing claims keep failing. */
    public static final int TIMING_ATTEMPTS = 3;

    /**
     * Runs {@code body} and, while it fails only a {@link #checkTiming} claim, again, up to
     * {@link #TIMING_ATTEMPTS} times in all; says on {@code out} what each failed run saw. Any other
     * failure (a claim of {@link #check} or {@link #checkEquals}, an exception) ends it at once.
     *
     * @param body the sample
     * @param out where to say that a run is repeated
     * @throws Exception what the last run threw
     */
    public static void retryingTimingClaims(Body body, java.io.PrintStream out) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                body.run();
                return;
            } catch (TimingClaimFailed e) {
                if (attempt >= TIMING_ATTEMPTS) {
                    throw e;
                }
                out.println("  (run " + attempt + " of " + TIMING_ATTEMPTS + ": " + e.getMessage()
                        + "; a timing claim: the machine may have been busy, running it again)");
            }
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
