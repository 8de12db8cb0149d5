package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;

import dev.aio4j.Async;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncIterator;
import dev.aio4j.stream.BlockingIterable;
import dev.aio4j.samples.support.TempDir;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sample 12: {@code async for} over lines. A hand-written async iterator "reads lines" that
 * arrive one by one (a loop timer each), consumed with {@code forEach}; an async generator written
 * in Java reads a file that the sample writes, consumed with a plain {@code for} through the
 * blocking view, and left early at a marker line; a non-blocking generator cut short by
 * {@code take}.
 *
 * <p>Shows: every line once, in order, in both styles; an early exit (break, take) closes the
 * source, once, and the generator's {@code finally} (which closes the file) has run when the
 * consumer goes on.
 */
public final class AsyncIteratorReader {
    private AsyncIteratorReader() {}

    static final List<String> LINES = List.of("alpha", "beta", "gamma", "delta", "STOP", "never read");

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        try (TempDir dir = TempDir.create("aio4j-lines")) {
            Path file = dir.resolve("lines.txt");
            Files.write(file, LINES);
            Async.run(loop -> {
                // 1. A hand-written async iterator, consumed without holding a thread (async for).
                SlowLines slow = new SlowLines(LINES.subList(0, 4));
                List<String> seen = new ArrayList<>();
                slow.forEach(seen::add).join();
                System.out.println("  forEach over an async iterator: " + seen);
                checkEquals(LINES.subList(0, 4), seen, "forEach sees every line once, in order");
                checkEquals(1, slow.closes.get(), "forEach closes the iterator once at its end");

                // 2. A generator written in Java (blocking style), read with a plain for loop.
                AtomicInteger fileClosed = new AtomicInteger();
                AsyncIterable<String> fileLines = AsyncIterable.generate(out -> {
                    try (BufferedReader reader = Files.newBufferedReader(file)) {
                        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                            out.emit(line);
                        }
                    } finally {
                        fileClosed.incrementAndGet();
                    }
                });
                List<String> read = new ArrayList<>();
                try (BlockingIterable<String> lines = fileLines.blocking()) {
                    for (String line : lines) {
                        if (line.equals("STOP")) {
                            break; // leaving the loop closes the generator (asyncio's aclose)
                        }
                        read.add(line);
                    }
                }
                System.out.println("  the generator, blocking view, until STOP: " + read);
                checkEquals(LINES.subList(0, 4), read, "the blocking view reads every line once, in order");
                checkEquals(1, fileClosed.get(), "breaking out closed the generator, whose finally closed the file, once");

                List<String> all = fileLines.toList().join();
                checkEquals(LINES, all, "read to its end, the generator gives every line");
                checkEquals(2, fileClosed.get(), "the second walk closed its file too");

                // 3. A non-blocking generator that never ends, cut short by take.
                AtomicInteger endlessClosed = new AtomicInteger();
                AsyncIterable<String> ticks = AsyncIterable.generateAsync(out -> {
                    CompletionStage<Void> body = tick(out, 0);
                    body.whenComplete((v, e) -> endlessClosed.incrementAndGet()); // the generator's "finally"
                    return body;
                });
                List<String> firstThree = ticks.take(3).toList().join();
                System.out.println("  take(3) of an endless non-blocking generator: " + firstThree);
                checkEquals(List.of("tick 0", "tick 1", "tick 2"), firstThree, "take gives the first three");
                check(endlessClosed.get() == 1, "take closed the endless generator, once (closed " + endlessClosed.get() + " times)");
                return null;
            });
        }
    }

    /** An endless non-blocking producer: emits, and goes on when there is room; fails when the consumer closes it. */
    private static CompletionStage<Void> tick(AsyncEmitter<String> out, int i) {
        return out.emitAsync("tick " + i).thenCompose(v -> tick(out, i + 1));
    }

    /** Lines that arrive one at a time, a few milliseconds apart: an async iterator written by hand. */
    static final class SlowLines implements AsyncIterable<String> {
        private final List<String> lines;
        final AtomicInteger closes = new AtomicInteger();

        SlowLines(List<String> lines) {
            this.lines = lines;
        }

        @Override
        public AsyncIterator<String> asyncIterator() {
            return new AsyncIterator<>() {
                private int next;

                @Override
                public CompletionStage<Boolean> hasNext() {
                    if (next == lines.size()) {
                        return CompletableFuture.completedFuture(false);
                    }
                    return Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> true); // the line "arrives"
                }

                @Override
                public String next() {
                    return lines.get(next++);
                }

                @Override
                public CompletionStage<Void> closeAsync() {
                    closes.incrementAndGet();
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
    }
}
