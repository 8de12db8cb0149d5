package dev.aio4j.structured;

import dev.aio4j.LoopOptions;
import java.time.Duration;

/** Small helpers shared by the tests of timeouts, groups and their nesting. */
final class ScopeSupport {
    private ScopeSupport() {}

    static LoopOptions options(LoopOptions.Threading threading) {
        return LoopOptions.defaults().withThreading(threading);
    }

    /** Keeps the thread busy without a wait, so that an interrupt stays pending. */
    static void busyFor(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) Thread.onSpinWait();
    }

    static int rounds(String property, int byDefault) {
        return Integer.getInteger(property, byDefault);
    }
}
