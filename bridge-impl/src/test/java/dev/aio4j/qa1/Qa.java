package dev.aio4j.qa1;

import dev.aio4j.LoopOptions;
import java.time.Duration;

/** Small helpers shared by the qa1 tests. */
final class Qa {
    private Qa() {}

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
