package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A close() refused because it runs on a thread that runs another loop (a callback of loop B
 * closes loop A) throws IllegalStateException and changes nothing: A's pending task is not
 * cancelled, A stays open and runs, and a later close() from a plain thread closes it. Before the
 * close's cancellations moved into the run that waits for them (2026-12-06), such a close cancelled
 * every task of A first and only then threw, leaving A open with its tasks cancelled.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RefusedCloseChangesNothingTest {

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void aCloseRefusedOnAnotherLoopsThreadCancelsNothing(LoopOptions.Threading threading) {
        Loop a = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        Loop b = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        try {
            Promise<String> pending = a.createPromise();
            Promise<Throwable> refused = b.createPromise();
            b.callSoon(() -> {
                try {
                    a.close();
                    refused.complete(null);
                } catch (Throwable e) {
                    refused.complete(e);
                }
            });
            Throwable e = b.runUntilComplete(refused);
            assertInstanceOf(IllegalStateException.class, e, "the close on B's thread was not refused: " + e);
            assertFalse(a.isClosed());
            assertFalse(pending.isDone(), "the refused close ended A's task: " + pending.state());
            a.callSoon(() -> pending.complete("still runs"));
            assertEquals("still runs", a.runUntilComplete(pending));
            a.close();
            assertTrue(a.isClosed());
        } finally {
            if (!a.isClosed()) a.close();
            b.close();
        }
    }
}
