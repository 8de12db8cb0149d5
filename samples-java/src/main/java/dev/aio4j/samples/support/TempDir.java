package dev.aio4j.samples.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory that a sample writes its files to and deletes, with everything in it,
 * when it is closed. Not thread-safe: open and close it on one thread.
 */
public final class TempDir implements AutoCloseable {
    private final Path path;

    private TempDir(Path path) {
        this.path = path;
    }

    /**
     * Creates a new, empty directory under the system's temporary directory.
     *
     * @param prefix the start of its name
     * @return the directory
     * @throws IOException if it cannot be created
     */
    public static TempDir create(String prefix) throws IOException {
        return new TempDir(Files.createTempDirectory(prefix));
    }

    /** {@return the directory} */
    public Path path() {
        return path;
    }

    /**
     * {@return the path of {@code name} in the directory}
     *
     * @param name a file name
     */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /**
     * Deletes the directory and everything in it.
     *
     * @throws UncheckedIOException if something cannot be deleted
     */
    @Override
    public void close() {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }
}
