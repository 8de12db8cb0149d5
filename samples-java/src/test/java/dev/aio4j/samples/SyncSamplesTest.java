package dev.aio4j.samples;

import dev.aio4j.samples.support.Checks;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the samples of {@code dev.aio4j.sync} as tests: each checks its own claims and throws
 * {@link AssertionError} when one breaks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyncSamplesTest {

    @Test
    void lockEventConditionSemaphore() throws Exception {
        Checks.retryingTimingClaims(LockEventConditionSemaphore::run, System.out);
    }

    @Test
    void queryService() throws Exception {
        Checks.retryingTimingClaims(QueryService::run, System.out);
    }
}
