package dev.aio4j.samples.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The samples' HTTP client calls, over the JDK's {@link HttpClient}: {@link #getAsync} is the
 * natural body of a non-blocking task ({@code loop.createTaskAsync(() -> Http.getAsync(...))}),
 * {@link #get} the natural body of a blocking one ({@code loop.createTask(() -> Http.get(...))}).
 *
 * <p>Stateless; safe to call from any thread. An {@link HttpClient} is itself thread-safe and is
 * meant to be shared.
 */
public final class Http {
    private Http() {}

    /**
     * {@return a new client speaking HTTP/1.1, as the local server does}; close it with
     * {@link #close(HttpClient)}
     */
    public static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /**
     * Sends a GET without blocking and returns the body as text.
     *
     * <p><b>Cancellation:</b> cancelling the returned future abandons the response (on JDK 17 the
     * exchange itself runs on until the server answers or closes).
     *
     * @param client the client
     * @param uri the address
     * @return a future of the body; it fails with {@link IOException} on a status other than 200
     */
    public static CompletableFuture<String> getAsync(HttpClient client, URI uri) {
        return client.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> bodyOf(response, uri));
    }

    /**
     * Sends a GET, blocking the calling thread until the body has arrived.
     *
     * <p><b>Cancellation:</b> an interrupt of the calling thread (a blocking task's cancellation)
     * ends the call with {@link InterruptedException}.
     *
     * @param client the client
     * @param uri the address
     * @return the body
     * @throws IOException on a network error or a status other than 200
     * @throws InterruptedException if the calling thread is interrupted
     */
    public static String get(HttpClient client, URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static String bodyOf(HttpResponse<String> response, URI uri) {
        if (response.statusCode() != 200) {
            throw new CompletionException(
                    new IOException("GET " + uri + " answered " + response.statusCode() + ": " + response.body()));
        }
        return response.body();
    }

    /**
     * Closes {@code client} where the JDK can (21 and later: {@code HttpClient} is
     * {@link AutoCloseable} there, and {@code close()} waits for the exchanges in flight). On JDK
     * 17–20 a client cannot be closed; its daemon threads end once it is unreachable.
     *
     * @param client the client
     */
    public static void close(HttpClient client) {
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the HTTP client failed", e);
            }
        }
    }
}
