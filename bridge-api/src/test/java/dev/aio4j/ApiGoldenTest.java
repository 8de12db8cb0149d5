package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API of bridge-api, as text, against the golden file {@code api/bridge-api.api}
 * (kotlinx's binary-compatibility validator does the same): a change to the API fails this test
 * until the file is updated with {@code -Doverwrite.api=true}, so that every API change is seen in
 * review.
 */
class ApiGoldenTest {
    private static final List<String> EXPORTED = List.of("dev/aio4j", "dev/aio4j/stream", "dev/aio4j/sync", "dev/aio4j/spi");

    @Test
    void thePublicApiMatchesTheGoldenFile() throws Exception {
        Path golden = Path.of(System.getProperty("api.file", "api/bridge-api.api"));
        String actual = dump();
        if (Boolean.getBoolean("overwrite.api")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(golden), "no golden file " + golden + ": run the build once with -Doverwrite.api=true");
        String expected = Files.readString(golden, StandardCharsets.UTF_8);
        assertEquals(expected, actual, "the public API changed: review the change, then run with -Doverwrite.api=true to accept it");
    }

    @Test
    void theApiJarReferencesNoKotlinType() throws Exception {
        List<String> offenders = new ArrayList<>();
        for (Path file : classFiles()) {
            String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            if (text.contains("kotlin/") || text.contains("Lkotlin")) {
                offenders.add(file.toString());
            }
        }
        assertEquals(List.of(), offenders, "bridge-api must stay pure Java");
        assertFalse(classFiles().isEmpty(), "no classes found: is api.classes right?");
    }

    private static List<Path> classFiles() throws IOException {
        Path root = classesRoot();
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".class")).sorted().collect(Collectors.toList());
        }
    }

    private static Path classesRoot() {
        return Path.of(System.getProperty("api.classes", "target/classes"));
    }

    static String dump() throws Exception {
        Path root = classesRoot();
        List<String> classes = new ArrayList<>();
        for (Path file : classFiles()) {
            String rel = root.relativize(file).toString().replace('\\', '/');
            String pkg = rel.contains("/") ? rel.substring(0, rel.lastIndexOf('/')) : "";
            if (!EXPORTED.contains(pkg) || rel.endsWith("module-info.class") || rel.endsWith("package-info.class")) {
                continue;
            }
            classes.add(rel.substring(0, rel.length() - ".class".length()).replace('/', '.'));
        }
        StringBuilder out = new StringBuilder();
        for (String name : classes) {
            Class<?> c = Class.forName(name, false, ApiGoldenTest.class.getClassLoader());
            if (!isApi(c)) {
                continue;
            }
            out.append(describe(c)).append(" {\n");
            List<String> members = new ArrayList<>();
            for (Field f : c.getDeclaredFields()) {
                if (isApi(f) && !f.isSynthetic()) {
                    members.add(f.toGenericString());
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (isApi(k) && !k.isSynthetic()) {
                    members.add(k.toGenericString());
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (isApi(m) && !m.isSynthetic() && !m.isBridge()) {
                    members.add(m.toGenericString());
                }
            }
            members.stream().sorted().forEach(m -> out.append("  ").append(m).append('\n'));
            out.append("}\n\n");
        }
        return out.toString();
    }

    private static boolean isApi(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers()) && !Modifier.isProtected(k.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    private static boolean isApi(Member m) {
        return Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers());
    }

    private static String describe(Class<?> c) {
        // JDK 17's toGenericString omits "sealed", later JDKs print it: normalize to one spelling
        String header = c.toGenericString().replace("non-sealed ", "").replace("sealed ", "");
        StringBuilder s = new StringBuilder(c.isSealed() ? "sealed " + header : header);
        Type sup = c.getGenericSuperclass();
        if (sup != null && sup != Object.class && !c.isEnum() && !c.isRecord()) {
            s.append(" extends ").append(sup.getTypeName());
        }
        Type[] interfaces = c.getGenericInterfaces();
        if (interfaces.length > 0) {
            s.append(c.isInterface() ? " extends " : " implements ")
                    .append(Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
        }
        if (c.isSealed()) {
            s.append(" permits ").append(Arrays.stream(c.getPermittedSubclasses()).map(Class::getName).collect(Collectors.joining(", ")));
        }
        return s.toString();
    }
}
