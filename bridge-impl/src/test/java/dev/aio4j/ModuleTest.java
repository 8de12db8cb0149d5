package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny program run in a fresh JVM the ways a user runs one: on the module path (both jars are
 * real modules: bridge-api exports the API and uses the SPI, bridge-impl provides it), and on the
 * class path without bridge-impl, where the first call must say in one sentence what to add
 * (Caffeine and SLF4J test the same way).
 */
class ModuleTest {
    private static final String PROGRAM = """
            package demo;

            import dev.aio4j.Async;
            import dev.aio4j.Task;
            import java.time.Duration;
            import java.util.List;

            public class Main {
                public static void main(String[] args) {
                    try {
                        List<String> r = Async.run(loop -> {
                            Task<String> a = loop.createTask(() -> "a");
                            Task<String> b = loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofMillis(1)).thenApply(v -> "b"));
                            return Async.gather(a, b).join();
                        });
                        System.out.println("result " + r + " module " + Async.class.getModule().getName());
                    } catch (IllegalStateException e) {
                        System.out.println("error: " + e.getMessage());
                        System.exit(3);
                    }
                }
            }
            """;

    @TempDir
    Path dir;

    @Test
    void runsOnTheModulePath() throws Exception {
        Path out = compile(true);
        String modulePath = String.join(File.pathSeparator, entry("bridge-api"), entry("bridge-impl"), entry("kotlin-stdlib"),
                entry("kotlinx-coroutines-core"), entry("kotlinx-coroutines-jdk9"), entry("kotlinx-coroutines-reactive"),
                entry("reactive-streams"), out.toString());
        Result r = run("--module-path", modulePath, "-m", "demo/demo.Main");
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("result [a, b] module dev.aio4j"), r.output);
    }

    @Test
    void withoutTheImplementationTheFirstCallNamesTheArtifactToAdd() throws Exception {
        Path out = compile(false);
        Result r = run("-cp", String.join(File.pathSeparator, entry("bridge-api"), out.toString()), "demo.Main");
        assertEquals(3, r.exit, r.output);
        assertTrue(r.output.startsWith("error: No aio4j implementation found: add the artifact dev.aio4j:bridge-impl"), r.output);
        assertEquals(1, r.output.strip().lines().count(), "one sentence, no stack trace: " + r.output);
    }

    private Path compile(boolean asModule) throws Exception {
        Path src = dir.resolve(asModule ? "msrc" : "csrc");
        Path out = dir.resolve(asModule ? "mout" : "cout");
        Files.createDirectories(src.resolve("demo"));
        Files.createDirectories(out);
        Files.writeString(src.resolve("demo/Main.java"), PROGRAM);
        List<String> args = new ArrayList<>(List.of("-d", out.toString()));
        if (asModule) {
            Files.writeString(src.resolve("module-info.java"), "module demo { requires dev.aio4j; }");
            args.addAll(List.of("--module-path", entry("bridge-api"), src.resolve("module-info.java").toString()));
        } else {
            args.addAll(List.of("-cp", entry("bridge-api")));
        }
        args.add(src.resolve("demo/Main.java").toString());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK is needed");
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "the demo program compiles");
        return out;
    }

    /** The class-path entry of this test run whose path names [artifact] (a jar, or a module's classes). */
    private static String entry(String artifact) {
        List<String> cp = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        List<String> found = cp.stream()
                .filter(e -> e.contains(File.separator + artifact + File.separator) || Path.of(e).getFileName().toString().startsWith(artifact + "-")
                        || (artifact.equals("bridge-impl") && e.endsWith("bridge-impl" + File.separator + "target" + File.separator + "classes")))
                .filter(e -> !e.contains("test-classes") && !e.endsWith("-sources.jar"))
                .filter(e -> !(artifact.equals("kotlinx-coroutines-core") && !Path.of(e).getFileName().toString().startsWith("kotlinx-coroutines-core")))
                .collect(Collectors.toList());
        assertEquals(1, found.size(), artifact + " on the class path: " + found);
        return found.get(0);
    }

    private static Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the demo ends");
        return new Result(p.exitValue(), output);
    }

    private record Result(int exit, String output) {}
}
