package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * cancel() on a task that already failed counts as retrieving the failure (asyncio's
 * Future.cancel() clears its report flag first): it returns false, and no "exception was never
 * retrieved" report follows. The fixture's handler fails the test on any report.
 */
class CancelRetrievesTest extends LoopFixture {

    @Test
    void cancelOfAFailedBlockingTaskRetrievesItsFailure() {
        Task<Integer> t = loop.createTask(() -> {
            throw new IllegalStateException("boom");
        });
        loop.runUntilComplete(Async.wait(List.of(t), ReturnWhen.ALL_COMPLETED)); // wait retrieves nothing
        assertEquals(TaskState.FAILED, t.state());
        assertFalse(t.cancel());
        assertFalse(t.cancel("again"));
    }

    @Test
    void cancelOfAFailedNonBlockingTaskRetrievesItsFailure() {
        Task<Integer> t = loop.createTaskAsync(() -> CompletableFuture.failedFuture(new IllegalStateException("boom")));
        loop.runUntilComplete(Async.wait(List.of(t), ReturnWhen.ALL_COMPLETED));
        assertEquals(TaskState.FAILED, t.state());
        assertFalse(t.cancel());
    }

    @Test
    void cancelOfAFailedPromiseRetrievesItsFailure() {
        Promise<Integer> p = loop.createPromise();
        p.fail(new IllegalStateException("boom"));
        assertFalse(p.cancel());
    }
}
