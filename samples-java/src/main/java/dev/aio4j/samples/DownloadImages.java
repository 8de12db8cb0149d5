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
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;

/**
 * Sample 3: download three images from the local server and write them to files, first one after
 * another with blocking calls, then as non-blocking tasks over one shared {@link HttpClient} that
 * stream each body straight to its file.
 *
 * <p>Shows: the files are byte for byte what the server sent (and decode as the images); the
 * concurrent wall time ≈ the slowest single download, not the sum.
 */
public final class DownloadImages {
    private DownloadImages() {}

    /** An image the server offers: its name, its PNG bytes and how slow its download is. */
    private record Image(String name, int width, int height, byte[] png, Duration delay) {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.println("Download three images, synchronously and with tasks " + Pace.scaleNote());
        List<Image> images = List.of(
                image("sunrise.png", 320, 200, Color.ORANGE, Pace.units(0.75)),
                image("forest.png", 480, 300, Color.GREEN, Pace.units(1)),
                image("ocean.png", 640, 400, Color.BLUE, Pace.units(1.25)));
        HttpClient client = Http.newClient();
        try (TempDir dir = TempDir.create("aio4j-download-images"); LocalHttpServer server = LocalHttpServer.start()) {
            for (Image image : images) {
                server.route("/images/" + image.name(), query -> Response.bytes(image.png(), "image/png").after(image.delay()));
            }
            server.text("/warm-up", Duration.ZERO, "ok");
            Files.createDirectories(dir.resolve("sync"));
            Files.createDirectories(dir.resolve("tasks"));
            Async.run(loop -> {
                Http.get(client, server.uri("/warm-up")); // class loading, first connection: not timed
                compare(loop, client, server, images, dir);
                return null;
            });
        } finally {
            Http.close(client);
        }
    }

    private static void compare(Loop loop, HttpClient client, LocalHttpServer server, List<Image> images, TempDir dir) throws Exception {
        // 1. Synchronously: one blocking download after another.
        List<Duration> singles = new ArrayList<>();
        Duration syncTotal = Timing.time(() -> {
            for (Image image : images) {
                Path target = dir.resolve("sync").resolve(image.name());
                singles.add(Timing.time(() -> download(client, server.uri("/images/" + image.name()), target)));
            }
        });
        Duration slowestSingle = singles.stream().max(Duration::compareTo).orElseThrow();
        System.out.printf("  synchronously: %d ms in all; single downloads took %s ms%n",
                syncTotal.toMillis(), singles.stream().map(Duration::toMillis).toList());

        // 2. With tasks: each body starts a download that streams to its file; nothing blocks.
        server.resetPeak();
        Timing.Timed<List<Path>> concurrent = Timing.measure(() -> {
            List<Task<Path>> tasks = new ArrayList<>();
            for (Image image : images) {
                Path target = dir.resolve("tasks").resolve(image.name());
                tasks.add(loop.createTaskAsync(image.name(), () -> downloadAsync(client, server.uri("/images/" + image.name()), target)));
            }
            return Async.gather(tasks).join();
        });
        System.out.printf("  with tasks: %d ms (downloads in flight at once: %d)%n", concurrent.millis(), server.peakInFlight());

        for (Image image : images) {
            for (String variant : List.of("sync", "tasks")) {
                Path file = dir.resolve(variant).resolve(image.name());
                byte[] written = Files.readAllBytes(file);
                check(Arrays.equals(image.png(), written),
                        variant + "/" + image.name() + " is identical to what the server sent (" + image.png().length + " bytes, file has "
                                + written.length + ", first difference at " + Arrays.mismatch(image.png(), written) + ")");
                BufferedImage decoded = ImageIO.read(file.toFile());
                check(decoded != null && decoded.getWidth() == image.width() && decoded.getHeight() == image.height(),
                        variant + "/" + image.name() + " decodes as a " + image.width() + "x" + image.height() + " image");
            }
            System.out.printf("  %s: %d bytes, identical in sync/ and tasks/, decodes as %dx%d%n",
                    image.name(), image.png().length, image.width(), image.height());
        }
        checkEquals(images.stream().map(i -> dir.resolve("tasks").resolve(i.name())).toList(), concurrent.value(),
                "gather gives the files in argument order");
        checkTiming(server.peakInFlight() == 3, "the three downloads are in flight at once: " + server.peakInFlight()); // all sent within the shortest delay
        check(concurrent.elapsed().compareTo(images.get(2).delay()) >= 0, "no download beats the server's delay");
        checkTiming(concurrent.elapsed().multipliedBy(2).compareTo(slowestSingle.plus(syncTotal)) < 0,
                "concurrent wall ~ the slowest single download (" + slowestSingle.toMillis() + " ms), not the sum ("
                        + syncTotal.toMillis() + " ms): took " + concurrent.millis() + " ms");
    }

    /** Downloads {@code uri} to {@code target}, blocking the calling thread. */
    private static void download(HttpClient client, URI uri, Path target) throws IOException, InterruptedException {
        HttpResponse<Path> response = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofFile(target));
        if (response.statusCode() != 200) {
            throw new IOException("GET " + uri + " answered " + response.statusCode());
        }
    }

    /** Starts downloading {@code uri} to {@code target}; the future completes with the file. */
    private static CompletableFuture<Path> downloadAsync(HttpClient client, URI uri, Path target) {
        return client.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofFile(target))
                .thenCompose(response -> response.statusCode() == 200
                        ? CompletableFuture.completedFuture(response.body())
                        : CompletableFuture.failedFuture(new IOException("GET " + uri + " answered " + response.statusCode())));
    }

    /** Draws a gradient and a disc and encodes them as PNG. */
    private static Image image(String name, int width, int height, Color color, Duration delay) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setPaint(new GradientPaint(0, 0, color, width, height, Color.WHITE));
            g.fillRect(0, 0, width, height);
            g.setColor(Color.DARK_GRAY);
            g.fillOval(width / 4, height / 4, width / 2, height / 2); // shapes, not text: no fonts needed
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        return new Image(name, width, height, png.toByteArray(), delay);
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
