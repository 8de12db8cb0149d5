package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;

/** kotlinx's expect(n)/finish(n): asserts that numbered steps happen in order, from any thread. */
final class OrderChecker {
    private final AtomicInteger step = new AtomicInteger();

    /** Asserts that this is step {@code n} (the first step is 1). */
    void expect(int n) {
        int actual = step.incrementAndGet();
        assertEquals(n, actual, "step " + n + " ran as step " + actual);
    }

    /** Asserts that this is step {@code n} and the last. */
    void finish(int n) {
        expect(n);
    }

    int steps() {
        return step.get();
    }
}
