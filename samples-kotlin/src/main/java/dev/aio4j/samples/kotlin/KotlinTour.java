package dev.aio4j.samples.kotlin;

import dev.aio4j.samples.Tour;
import java.util.List;

/**
 * The tour's Kotlin part: samples 16 and 17 of the sample list, run and summed up by the Java
 * tour's runner; exits with status 1 if a sample's claim failed.
 *
 * <pre>{@code mvn -q -pl samples-java,samples-kotlin -am verify -DskipTests -Dtour}</pre>
 */
public final class KotlinTour {
    private KotlinTour() {}

    /** The samples of this module, with their numbers in the sample list. */
    public static final List<Tour.Sample> SAMPLES = List.of(
            new Tour.Sample(16, "KotlinServiceFromJava", KotlinServiceFromJava::run),
            new Tour.Sample(17, "JavaImplementsSuspend", JavaImplementsSuspend::run));

    /**
     * Runs the samples and exits: status 0 if every one passed, 1 otherwise.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        List<Tour.Result> results = Tour.run(SAMPLES, System.out);
        System.out.flush();
        System.exit(results.stream().allMatch(Tour.Result::passed) ? 0 : 1);
    }
}
