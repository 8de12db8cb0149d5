package dev.aio4j.samples;

import dev.aio4j.samples.support.Checks;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The guided tour: runs every sample of docs/samples.md that this build has, in the table's
 * order, each under a heading, then prints one PASS/FAIL line per sample and exits with status 1
 * if any sample's claim failed (or it could not run), 0 otherwise.
 *
 * <p>A sample is a class of this package named as in the table with a
 * {@code public static void run() throws Exception}; the tour finds them by name, so that a
 * sample added later joins the tour without changing it. Samples run one at a time on the calling
 * thread, because their timing claims assume a machine that is not busy with another sample.
 *
 * <pre>{@code mvn -q -pl samples-java,samples-kotlin -am verify -DskipTests -Dtour}</pre>
 */
public final class Tour {
    private Tour() {}

    /** The Java samples of docs/samples.md, in its order; index + 1 is the sample's number. */
    public static final List<String> SAMPLES = List.of(
            "SequentialVsConcurrent",
            "FetchAndReadFile",
            "DownloadImages",
            "Countdown",
            "CooperativeSwitch",
            "LockEventConditionSemaphore",
            "CallbacksOnTheLoop",
            "FutureBasics",
            "CancelAndWait",
            "GatherPhases",
            "BlockingLibraryInThreads",
            "AsyncIteratorReader",
            "AsyncWithConnection",
            "QueryService",
            "ConcurrentHttpEndpoint");

    /**
     * One stop of the tour.
     *
     * @param number its number in docs/samples.md
     * @param name its class name
     * @param body runs it and checks its claim
     */
    public record Sample(int number, String name, Body body) {
        /**
         * Checks the fields.
         *
         * @throws NullPointerException if a field is null
         */
        public Sample {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(body, "body");
        }
    }

    /** What a sample runs: its {@code run()}. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs the sample.
         *
         * @throws Exception if its claim failed ({@link AssertionError}) or it could not run
         */
        void run() throws Exception;
    }

    /**
     * How one sample went.
     *
     * @param sample the sample
     * @param failure why it failed, or {@code null} if it passed
     * @param elapsed how long it took
     */
    public record Result(Sample sample, @Nullable Throwable failure, Duration elapsed) {
        /** {@return whether the sample ran and its claims held} */
        public boolean passed() {
            return failure == null;
        }
    }

    /**
     * Runs the tour and exits: status 0 if every sample passed, 1 otherwise.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        List<Sample> samples = present();
        List<Result> results = run(samples, System.out);
        System.out.flush();
        System.exit(results.stream().allMatch(Result::passed) ? 0 : 1);
    }

    /**
     * {@return the samples of {@link #SAMPLES} that are in this build, in order}; a class of that
     * name without a {@code public static void run()} is a sample whose run fails with
     * {@link IllegalStateException}
     */
    public static List<Sample> present() {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES.size(); i++) {
            String name = SAMPLES.get(i);
            Class<?> type;
            try {
                type = Class.forName(Tour.class.getPackageName() + "." + name);
            } catch (ClassNotFoundException e) {
                continue; // not written yet
            }
            Method run;
            try {
                run = runMethod(type);
            } catch (IllegalStateException e) {
                samples.add(new Sample(i + 1, name, () -> {
                    throw e;
                }));
                continue;
            }
            samples.add(new Sample(i + 1, name, () -> invoke(run)));
        }
        return samples;
    }

    /**
     * {@return the {@code public static void run()} of {@code type}}
     *
     * @param type a sample class
     * @throws IllegalStateException if it has none
     */
    public static Method runMethod(Class<?> type) {
        try {
            Method run = type.getMethod("run");
            if (Modifier.isStatic(run.getModifiers()) && run.getReturnType() == void.class) {
                return run;
            }
        } catch (NoSuchMethodException e) {
            // reported below
        }
        throw new IllegalStateException(type.getName() + " has no public static void run(): every sample needs one");
    }

    private static void invoke(Method run) throws Exception {
        try {
            run.invoke(null);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * Runs {@code samples} one after another on the calling thread, each under a heading, and
     * prints a summary. A sample whose only failure is a timing claim is run again, up to
     * {@link Checks#TIMING_ATTEMPTS} times in all ({@link Checks#retryingTimingClaims}: one slow
     * measurement on a busy machine is no failure of the claim). A failing sample does not stop the tour; what it threw is printed and
     * counted. {@link Error}s other than {@link AssertionError} (e.g. {@link OutOfMemoryError}) are
     * counted as failures too.
     *
     * @param samples the samples to run
     * @param out where to print
     * @return how each sample went, in order
     */
    public static List<Result> run(List<Sample> samples, PrintStream out) {
        List<Result> results = new ArrayList<>();
        out.println("aio4j sample tour: " + samples.size() + " samples");
        for (Sample sample : samples) {
            out.println();
            out.printf("=== %d. %s ===%n", sample.number(), sample.name());
            long start = System.nanoTime();
            Throwable failure = null;
            try {
                Checks.retryingTimingClaims(sample.body()::run, out);
            } catch (Exception | Error e) { // AssertionError is the claim failing; anything else, the sample not running
                failure = e;
                out.println("  FAILED: " + e);
                e.printStackTrace(out);
            }
            out.flush();
            results.add(new Result(sample, failure, Duration.ofNanos(System.nanoTime() - start)));
        }
        out.println();
        out.println("=== summary ===");
        for (Result r : results) {
            out.printf("%s  %2d. %-28s %6d ms%s%n", r.passed() ? "PASS" : "FAIL", r.sample().number(), r.sample().name(),
                    r.elapsed().toMillis(), r.passed() ? "" : "  " + r.failure());
        }
        List<String> absent = new ArrayList<>();
        boolean javaTour = samples.isEmpty() || samples.stream().anyMatch(s -> s.number() <= SAMPLES.size());
        for (int i = 0; javaTour && i < SAMPLES.size(); i++) { // another module's tour (samples-kotlin) lists only its own
            int number = i + 1;
            if (samples.stream().noneMatch(s -> s.number() == number)) {
                absent.add(number + ". " + SAMPLES.get(i));
            }
        }
        if (!absent.isEmpty()) {
            out.println("not in this build: " + String.join(", ", absent));
        }
        long failed = results.stream().filter(r -> !r.passed()).count();
        out.println(failed == 0 ? "all " + results.size() + " samples passed" : failed + " of " + results.size() + " samples FAILED");
        out.flush();
        return results;
    }
}
