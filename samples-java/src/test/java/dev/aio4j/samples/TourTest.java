package dev.aio4j.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.samples.support.Checks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The tour itself: it finds every sample, and a failing claim fails it without stopping it. */
class TourTest {

    @Test
    void everySampleClassOfThePackageIsOnTheTour() throws IOException, URISyntaxException {
        Path classes = Path.of(Tour.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(Tour.class.getPackageName().replace('.', '/'));
        List<String> samples = new ArrayList<>();
        try (Stream<Path> files = Files.list(classes)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".class") || name.contains("$") || name.equals("Tour.class") || name.equals("package-info.class")) {
                    continue;
                }
                samples.add(name.substring(0, name.length() - ".class".length()));
            }
        }
        assertFalse(samples.isEmpty(), "no sample classes found in " + classes);
        List<String> present = Tour.present().stream().map(Tour.Sample::name).toList();
        for (String sample : samples) {
            assertTrue(Tour.SAMPLES.contains(sample), sample + " is a class of the samples package but not on the tour's list");
            assertTrue(present.contains(sample), sample + " is on the list but the tour does not find it");
        }
        assertEquals(samples.size(), present.size(), "the tour finds exactly the sample classes: " + present);
    }

    @Test
    void aFailedClaimFailsTheTourButTheOtherSamplesStillRun() {
        List<String> ran = new ArrayList<>();
        List<Tour.Sample> samples = List.of(
                new Tour.Sample(1, "Passing", () -> ran.add("Passing")),
                new Tour.Sample(2, "Failing", () -> {
                    ran.add("Failing");
                    Checks.check(false, "the sample's claim");
                }),
                new Tour.Sample(3, "AlsoPassing", () -> ran.add("AlsoPassing")));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Tour.Result> results = Tour.run(samples, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(List.of("Passing", "Failing", "AlsoPassing"), ran);
        assertNull(results.get(0).failure());
        assertInstanceOf(AssertionError.class, results.get(1).failure());
        assertTrue(results.get(2).passed());
        assertTrue(output.contains("PASS   1. Passing"), output);
        assertTrue(output.contains("FAIL   2. Failing"), output);
        assertTrue(output.contains("claim failed: the sample's claim"), output);
        assertTrue(output.contains("1 of 3 samples FAILED"), output);
    }

    @Test
    void aFailedTimingClaimRunsTheSampleAgainAndAnyOtherClaimDoesNot() {
        List<String> ran = new ArrayList<>();
        int[] slowRuns = {0};
        List<Tour.Sample> samples = List.of(
                new Tour.Sample(1, "SlowOnce", () -> {
                    ran.add("SlowOnce");
                    Checks.checkTiming(++slowRuns[0] > 1, "the machine was busy once");
                }),
                new Tour.Sample(2, "AlwaysSlow", () -> {
                    ran.add("AlwaysSlow");
                    Checks.checkTiming(false, "always slow");
                }),
                new Tour.Sample(3, "WrongOnce", () -> {
                    ran.add("WrongOnce");
                    Checks.check(false, "a claim that is not about time");
                }));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Tour.Result> results = Tour.run(samples, new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertEquals(List.of("SlowOnce", "SlowOnce", "AlwaysSlow", "AlwaysSlow", "AlwaysSlow", "WrongOnce"), ran);
        assertTrue(results.get(0).passed());
        assertInstanceOf(Checks.TimingClaimFailed.class, results.get(1).failure(), "a timing claim that fails every run fails the sample");
        assertInstanceOf(AssertionError.class, results.get(2).failure());
        assertFalse(results.get(2).failure() instanceof Checks.TimingClaimFailed);
    }
}
