package dev.aio4j.samples.kotlin;

import dev.aio4j.samples.support.Checks;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs each Kotlin-interop sample as a test: a sample checks its own claims. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KotlinSamplesTest {

    @Test
    void kotlinServiceFromJava() throws Exception {
        Checks.retryingTimingClaims(KotlinServiceFromJava::run, System.out);
    }

    @Test
    void javaImplementsSuspend() throws Exception {
        Checks.retryingTimingClaims(JavaImplementsSuspend::run, System.out);
    }
}
