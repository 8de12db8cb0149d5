package dev.aio4j.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * A build with {@code -Xlint:try -Werror} (common in companies) compiles the form the Javadoc and
 * README put first, {@code withLock}/{@code withPermit} with a body that returns nothing, and
 * fails on {@code try (Held h = lock.lock())} with {@code h} unused, which is why that form is
 * second.
 */
class LintTryTest {

    private static String compile(String body) {
        String source = "import dev.aio4j.sync.*;\n"
                + "class User {\n"
                + "    static int shared;\n"
                + "    static void update() { shared++; }\n"
                + "    static void handOff(Held held) { }\n"
                + "    static void use(AsyncLock lock, AsyncSemaphore semaphore) throws Exception {\n" + body + "\n    }\n"
                + "}\n";
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///User.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter out = new StringWriter();
        List<String> options = List.of("-Xlint:try", "-Werror", "-proc:none", "-d", System.getProperty("java.io.tmpdir") + "/aio4j-lint-try",
                "-cp", System.getProperty("java.class.path"));
        boolean ok = javac.getTask(out, null, null, options, null, List.of(file)).call();
        return ok ? "" : out.toString().isEmpty() ? "failed" : out.toString();
    }

    @Test
    void theFormsPutFirstCompileCleanUnderXlintTryWerror() {
        assertEquals("", compile("""
                lock.withLock(() -> { update(); });
                lock.withLock(() -> update());
                int n = lock.withLock(() -> shared);
                semaphore.withPermit(() -> { update(); });
                try (Held held = lock.lock()) {
                    handOff(held); // a handle the body names is fine
                }
                """));
    }

    @Test
    void anUnnamedHeldIsReported() {
        String errors = compile("""
                try (Held held = lock.lock()) {
                    update();
                }
                """);
        assertFalse(errors.isEmpty());
        assertTrue(errors.contains("[try]"), errors);
    }
}
