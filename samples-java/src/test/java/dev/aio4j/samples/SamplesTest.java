package dev.aio4j.samples;

import dev.aio4j.samples.support.Checks;
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
        Checks.retryingTimingClaims(SequentialVsConcurrent::run, System.out);
    }

    @Test
    void fetchAndReadFile() throws Exception {
        Checks.retryingTimingClaims(FetchAndReadFile::run, System.out);
    }

    @Test
    void downloadImages() throws Exception {
        Checks.retryingTimingClaims(DownloadImages::run, System.out);
    }

    @Test
    void countdown() throws Exception {
        Checks.retryingTimingClaims(Countdown::run, System.out);
    }

    @Test
    void cooperativeSwitch() throws Exception {
        Checks.retryingTimingClaims(CooperativeSwitch::run, System.out);
    }

    @Test
    void callbacksOnTheLoop() throws Exception {
        Checks.retryingTimingClaims(CallbacksOnTheLoop::run, System.out);
    }

    @Test
    void futureBasics() throws Exception {
        Checks.retryingTimingClaims(FutureBasics::run, System.out);
    }

    @Test
    void cancelAndWait() throws Exception {
        Checks.retryingTimingClaims(CancelAndWait::run, System.out);
    }

    @Test
    void gatherPhases() throws Exception {
        Checks.retryingTimingClaims(GatherPhases::run, System.out);
    }

    @Test
    void blockingLibraryInThreads() throws Exception {
        Checks.retryingTimingClaims(BlockingLibraryInThreads::run, System.out);
    }

    @Test
    void asyncIteratorReader() throws Exception {
        Checks.retryingTimingClaims(AsyncIteratorReader::run, System.out);
    }

    @Test
    void asyncWithConnection() throws Exception {
        Checks.retryingTimingClaims(AsyncWithConnection::run, System.out);
    }

    @Test
    void concurrentHttpEndpoint() throws Exception {
        Checks.retryingTimingClaims(ConcurrentHttpEndpoint::run, System.out);
    }
}
