package dev.aio4j.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The consumer projects under src/it build and run the README's "30 seconds": its dependencies
 * as written there, its code as written there. This test keeps them the same, so that the README
 * cannot drift from what the consumer check compiles (and a README example that stops compiling
 * fails the build).
 */
class ReadmeExampleTest {
    private static final Path README = Path.of("..", "README.md");
    private static final List<String> CONSUMERS = List.of("classpath", "modulepath");

    /** The lines of the first ```kind block after the "## 30 seconds" heading. */
    private static List<String> block(String kind) throws IOException {
        List<String> lines = Files.readAllLines(README);
        int i = lines.indexOf("## 30 seconds");
        assertTrue(i >= 0, "README.md has a '## 30 seconds' section");
        while (!lines.get(i).equals("```" + kind)) i++;
        List<String> block = new ArrayList<>();
        for (i++; !lines.get(i).equals("```"); i++) block.add(lines.get(i));
        return block;
    }

    @Test
    void theConsumersDependOnAio4jAsTheReadmeSays() throws IOException {
        List<String> readme = block("xml").stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        assertEquals(2, readme.size(), "bridge-api and bridge-impl: " + readme);
        String version = System.getProperty("aio4j.version");
        for (String consumer : CONSUMERS) {
            List<String> pom = Files.readAllLines(Path.of("src", "it", consumer, "pom.xml")).stream()
                    .map(l -> l.strip().replace("@project.version@", version)).toList();
            for (String dependency : readme) {
                assertTrue(pom.contains(dependency), consumer + "/pom.xml declares, as the README does: " + dependency);
            }
        }
    }

    @Test
    void theConsumersCompileTheReadmesCode() throws IOException {
        List<String> readme = block("java");
        List<String> imports = readme.stream().filter(l -> l.startsWith("import ")).toList();
        List<String> code = readme.stream().filter(l -> !l.startsWith("import ") && !l.isBlank()).map(String::stripTrailing).toList();
        assertTrue(code.size() > 3, "the README's example has code: " + readme);
        Path main = Path.of("src", "it", "classpath", "src", "main", "java", "example", "Main.java"); // modulepath compiles it too
        {
            List<String> lines = Files.readAllLines(main);
            for (String line : imports) assertTrue(lines.contains(line), main + " imports as the README does: " + line);
            int begin = lines.indexOf("        // README example begin");
            int end = lines.indexOf("        // README example end");
            assertTrue(begin >= 0 && end > begin, main + " marks the README's code");
            List<String> marked = lines.subList(begin + 1, end).stream()
                    .map(l -> l.startsWith("        ") ? l.substring(8) : l).map(String::stripTrailing).toList();
            assertEquals(String.join("\n", code), String.join("\n", marked), main + " holds the README's example as written there");
        }
    }
}
