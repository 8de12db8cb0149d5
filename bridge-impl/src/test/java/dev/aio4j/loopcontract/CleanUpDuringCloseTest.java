package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The clean-up of a non-blocking task that the loop's close cancels (asyncio.run's cancel-all at
 * the end of main) should run in a step of the loop, as asyncio's runs in the loop: see the loop as
 * {@code Loop.current()} and be able to schedule on it. Today the close's cancellations run the
 * body's handlers on the closing thread outside any step, where both throw "no running event loop"
 * (found from outside on 2026-12-06; 2 of 2 threadings fail). A fix that made the cancellations at
 * the start of the close's run passed this test, but two full-suite runs with it then lost an
 * accepted callback at the close once each (never seen in isolation); it was reverted until that
 * is understood.
 */
@Timeout(60)
class CleanUpDuringCloseTest {

    @org.junit.jupiter.api.Disabled("defect, left open: a cancelled body's handlers run off the loop during close(); see the class comment")
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aCancelledBodysHandlerRunsOnTheLoopDuringTheClose(Threading threading) {
        AtomicReference<Loop> theLoop = new AtomicReference<>();
        AtomicReference<Object> seen = new AtomicReference<>();
        List<Throwable> failures = new ArrayList<>();
        Async.runAsync(LoopOptions.defaults().withThreading(threading), loop -> {
            theLoop.set(loop);
            loop.createTaskAsync(() -> Async.sleepAsync(Duration.ofHours(1)).handle((v, e) -> {
                try {
                    seen.set(Loop.current());
                    return Async.sleepAsync(Duration.ofMillis(1)); // scheduling on the loop works
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.add(t);
                    }
                    throw t;
                }
            }).thenCompose(x -> x));
            return Async.sleepAsync(Duration.ofMillis(5)).thenApply(v -> null); // main ends with that task pending
        });
        assertEquals(List.of(), failures);
        assertSame(theLoop.get(), seen.get());
    }
}
