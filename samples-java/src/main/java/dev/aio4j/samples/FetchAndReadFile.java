package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;
import static dev.aio4j.samples.support.Checks.checkTiming;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.samples.support.Http;
import dev.aio4j.samples.support.LocalHttpServer;
import dev.aio4j.samples.support.LocalHttpServer.Response;
import dev.aio4j.samples.support.Pace;
import dev.aio4j.samples.support.TempDir;
import dev.aio4j.samples.support.Timing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Sample 2: fetch a page and read a file, each taking about one unit: with plain sequential
 * calls, with two blocking-style tasks, with {@link Async#gather} over non-blocking tasks, with
 * {@link Async#asCompleted}, and with the blocking reader handed to {@link Async#toThread}.
 *
 * <p>The "slow disk" is simulated: the reader waits one unit before it reads (a blocking
 * {@code Thread.sleep} in the blocking reader, {@link Async#sleepAsync} before an
 * {@link AsynchronousFileChannel} read in the non-blocking one).
 *
 * <p>Shows: sequential ≈ 2 units, each concurrent form ≈ 1 unit; {@code asCompleted} yields the
 * tasks in completion order, not argument order.
 */
public final class FetchAndReadFile {
    private FetchAndReadFile() {}

    private static final String PAGE = "<html><body>the page</body></html>";
    private static final String NOTES = "notes read from the disk";

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Fetch a page and read a file, each ~1 s " + Pace.scaleNote());
        HttpClient client = Http.newClient();
        try (TempDir dir = TempDir.create("aio4j-fetch-and-read"); LocalHttpServer server = LocalHttpServer.start()) {
            Path file = dir.resolve("notes.txt");
            Files.writeString(file, NOTES);
            server.route("/page", query -> Response.text(PAGE)
                    .after(Duration.ofMillis(Long.parseLong(query.getOrDefault("ms", Long.toString(Pace.UNIT.toMillis()))))));
            Async.run(loop -> {
                Http.get(client, server.uri("/page?ms=0")); // warm-up (class loading, first connection): not timed
                compare(loop, client, server.uri("/page"), file);
                return null;
            });
        } finally {
            Http.close(client);
        }
    }

    private static void compare(Loop loop, HttpClient client, URI page, Path file) throws Exception {
        Duration unit = Pace.UNIT;

        // 1. Plain sequential calls on the main task's thread.
        Timing.Timed<List<String>> sequential = Timing.measure(() -> List.of(Http.get(client, page), readSlowly(file, unit)));
        report("plain sequential calls", sequential);

        // 2. Two blocking-style tasks, then await both.
        Timing.Timed<List<String>> twoTasks = Timing.measure(() -> {
            Task<String> fetch = loop.createTask(() -> Http.get(client, page));
            Task<String> read = loop.createTask(() -> readSlowly(file, unit));
            return List.of(fetch.join(), read.join());
        });
        report("createTask x2", twoTasks);

        // 3. Two non-blocking tasks, gathered.
        Timing.Timed<List<String>> gathered = Timing.measure(() -> Async.gather(
                loop.createTaskAsync(() -> Http.getAsync(client, page)),
                loop.createTaskAsync(() -> Async.sleepAsync(unit).thenComposeAsync(ignored -> readAsync(file)))).join());
        report("gather of two non-blocking tasks", gathered);

        // 4. asCompleted: the fetch (argument 1) takes 1 unit, the read (argument 2) half a unit.
        List<String> completionOrder = new ArrayList<>();
        Duration asCompletedTime = Timing.time(() -> {
            URI slowerPage = URI.create(page + "?ms=" + unit.toMillis());
            Task<String> fetch = loop.createTaskAsync("fetch", () -> Http.getAsync(client, slowerPage));
            Task<String> read = loop.createTaskAsync("read", () -> Async.sleepAsync(unit.dividedBy(2)).thenComposeAsync(ignored -> readAsync(file)));
            for (Task<String> done : Async.asCompleted(List.of(fetch, read))) {
                completionOrder.add(done.name());
                System.out.printf("    asCompleted yields %s: %.20s...%n", done.name(), done.join());
            }
        });
        System.out.printf("  asCompleted over (fetch, read): %s in %d ms%n", completionOrder, asCompletedTime.toMillis());

        // 5. The blocking reader on the loop's thread pool (toThread), beside a non-blocking fetch.
        Timing.Timed<List<String>> toThread = Timing.measure(() -> {
            Task<String> fetch = loop.createTaskAsync(() -> Http.getAsync(client, page));
            Task<String> read = Async.toThread(() -> readSlowly(file, unit));
            return Async.gather(fetch, read).join();
        });
        report("toThread(blocking reader) + fetch", toThread);

        List<String> expected = List.of(PAGE, NOTES);
        checkEquals(expected, sequential.value(), "sequential results");
        checkEquals(expected, twoTasks.value(), "createTask results");
        checkEquals(expected, gathered.value(), "gather returns results in argument order");
        checkEquals(expected, toThread.value(), "toThread results");
        check(sequential.elapsed().compareTo(unit.multipliedBy(2).multipliedBy(9).dividedBy(10)) >= 0,
                "sequential takes ~ 2 units: " + sequential.millis() + " ms");
        for (Timing.Timed<List<String>> concurrent : List.of(twoTasks, gathered, toThread)) {
            checkTiming(concurrent.millis() * 5 < sequential.millis() * 4,
                    "concurrent ~ 1 unit, well under sequential: " + concurrent.millis() + " ms vs " + sequential.millis() + " ms");
        }
        checkTiming(List.of("read", "fetch").equals(completionOrder), // half a unit apart: a timing claim
                "asCompleted yields in completion order, not argument order: expected [read, fetch] but was " + completionOrder);
    }

    private static void report(String what, Timing.Timed<List<String>> timed) {
        List<String> shortened = new ArrayList<>();
        for (String s : timed.value()) {
            shortened.add(s.length() > 20 ? s.substring(0, 20) + "..." : s);
        }
        System.out.printf("  %s: %s in %d ms%n", what, shortened, timed.millis());
    }

    /** A blocking file reader on a slow disk: it waits {@code latency}, then reads. */
    private static String readSlowly(Path file, Duration latency) throws IOException, InterruptedException {
        Thread.sleep(latency.toMillis());
        return Files.readString(file);
    }

    /** Reads a small file without blocking the calling thread, with an {@link AsynchronousFileChannel}. */
    private static CompletableFuture<String> readAsync(Path file) {
        CompletableFuture<String> result = new CompletableFuture<>();
        try {
            AsynchronousFileChannel channel = AsynchronousFileChannel.open(file, StandardOpenOption.READ);
            ByteBuffer buffer = ByteBuffer.allocate((int) channel.size());
            channel.read(buffer, 0, null, new CompletionHandler<Integer, @Nullable Void>() {
                @Override
                public void completed(Integer read, @Nullable Void attachment) {
                    close(channel);
                    buffer.flip();
                    result.complete(StandardCharsets.UTF_8.decode(buffer).toString());
                }

                @Override
                public void failed(Throwable e, @Nullable Void attachment) {
                    close(channel);
                    result.completeExceptionally(e);
                }
            });
        } catch (IOException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private static void close(AsynchronousFileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs the sample on its own.
     *
     * @param args ignored
     * @throws Exception if a claim does not hold or the sample cannot run
     */
    public static void main(String[] args) throws Exception {
        run();
    }
}
