package dev.aio4j.samples;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs each sample as a test: a sample checks its own claim and throws {@link AssertionError}
 * when it breaks, so a red test names the sample and the claim. One method per sample; they run
 * one at a time (the samples' timing claims assume it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SamplesTest {

    @Test
    void sequentialVsConcurrent() throws Exception {
        SequentialVsConcurrent.run();
    }

    @Test
    void fetchAndReadFile() throws Exception {
        FetchAndReadFile.run();
    }

    @Test
    void downloadImages() throws Exception {
        DownloadImages.run();
    }

    @Test
    void countdown() throws Exception {
        Countdown.run();
    }

    @Test
    void cooperativeSwitch() throws Exception {
        CooperativeSwitch.run();
    }

    @Test
    void callbacksOnTheLoop() throws Exception {
        CallbacksOnTheLoop.run();
    }

    @Test
    void futureBasics() throws Exception {
        FutureBasics.run();
    }

    @Test
    void cancelAndWait() throws Exception {
        CancelAndWait.run();
    }

    @Test
    void gatherPhases() throws Exception {
        GatherPhases.run();
    }

    @Test
    void blockingLibraryInThreads() throws Exception {
        BlockingLibraryInThreads.run();
    }

    @Test
    void asyncIteratorReader() throws Exception {
        AsyncIteratorReader.run();
    }

    @Test
    void asyncWithConnection() throws Exception {
        AsyncWithConnection.run();
    }

    @Test
    void concurrentHttpEndpoint() throws Exception {
        ConcurrentHttpEndpoint.run();
    }
}
