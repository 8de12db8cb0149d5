package dev.aio4j.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** What the timed programs measure, and how they print it: one JSON object per line. */
final class Measure {
    private Measure() {}

    /**
     * Forces full collections until the heap in use stops shrinking (at most 6), and returns it.
     *
     * @return bytes of heap in use after the last collection
     */
    static long heapUsedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            System.gc();
            long now = memory.getHeapMemoryUsage().getUsed();
            if (i >= 2 && now >= used) return Math.min(now, used);
            used = Math.min(used, now);
        }
        return used;
    }

    /**
     * Waits (at most 10 s) until the JIT compilers have been idle for half a second: after a warm-up
     * on a busy machine, compilations lag behind, and a virtual thread parked in interpreted frames
     * copies larger frames to the heap than one parked in compiled frames.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    static void awaitJitQuiet() throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            Thread.sleep(1000);
            return;
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        long last = -1;
        int quiet = 0;
        while (quiet < 5 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            long now = jit.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }

    /** {@return the process's peak resident set (VmHWM in /proc/self/status) in bytes, or -1 where there is none} */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Writes the live-object class histogram of this JVM to {@code file}, through the {@code jcmd}
     * beside the running {@code java}; a diagnostic for the memory figures.
     *
     * @param file where to write it
     * @throws IOException if jcmd cannot be run
     * @throws InterruptedException if interrupted while it runs
     */
    static void classHistogram(String file) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
                .redirectErrorStream(true).redirectOutput(new java.io.File(file)).start().waitFor();
    }

    /** {@return the feature version of the running JVM, e.g. 25} */
    static int jvm() {
        return Runtime.version().feature();
    }

    /** A JSON object written field by field, in order. */
    static final class Json {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        Json put(String key, Object value) {
            fields.put(key, value);
            return this;
        }

        @Override
        public String toString() {
            StringJoiner out = new StringJoiner(", ", "{", "}");
            fields.forEach((k, v) -> out.add(quote(k) + ": " + (v instanceof Number || v instanceof Boolean ? v.toString() : quote(v.toString()))));
            return out.toString();
        }

        private static String quote(String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
        }
    }
}
