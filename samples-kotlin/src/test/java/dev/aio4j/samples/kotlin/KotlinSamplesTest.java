package dev.aio4j.samples.kotlin;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs each Kotlin-interop sample as a test: a sample checks its own claims. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KotlinSamplesTest {

    @Test
    void kotlinServiceFromJava() {
        KotlinServiceFromJava.run();
    }

    @Test
    void javaImplementsSuspend() throws Exception {
        JavaImplementsSuspend.run();
    }
}
