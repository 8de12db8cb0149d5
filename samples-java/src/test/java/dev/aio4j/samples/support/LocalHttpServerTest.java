package dev.aio4j.samples.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The samples' server counts what is in flight as its clients see it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalHttpServerTest {

    /**
     * Requests made one after another never overlap at the server. Before: a request stayed in
     * flight until the server's thread came back from sending its answer, so that the client,
     * which had the answer, could send the next one first: SequentialVsConcurrent's "serial
     * requests never overlap at the server" failed, 2 of 23 rounds under load.
     */
    @Test
    void aRequestIsNoLongerInFlightOnceItsAnswerHasArrived() throws Exception {
        int rounds = 300;
        List<String> overlapped = new ArrayList<>();
        HttpClient client = Http.newClient();
        try (LocalHttpServer server = LocalHttpServer.start()) {
            server.text("/now", Duration.ZERO, "answer");
            for (int r = 0; r < rounds; r++) {
                Http.get(client, server.uri("/now"));
                server.resetPeak();
                Http.get(client, server.uri("/now"));
                if (server.peakInFlight() != 1) {
                    overlapped.add("round " + r + ": " + server.peakInFlight());
                }
            }
        } finally {
            Http.close(client);
        }
        assertEquals(List.of(), overlapped, "rounds where the next request found the previous one still in flight");
    }
}
