package dev.aio4j.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A null argument to a primitive gets a NullPointerException naming the parameter and the public
 * method, never Kotlin's assertion naming an internal class ("method dev.aio4j.internal.sync...").
 */
class SyncArgumentsTest {

    private static void assertNpe(String expected, Executable call) {
        assertEquals(expected, assertThrows(NullPointerException.class, call).getMessage());
    }

    @Test
    void nullArgumentsNameTheParameterAndThePublicMethod() {
        AsyncQueue<String> q = AsyncQueue.create(1);
        assertNpe("item (AsyncQueue.put)", () -> q.put(null));
        assertNpe("item (AsyncQueue.putAsync)", () -> q.putAsync(null));
        assertNpe("item (AsyncQueue.putNow)", () -> q.putNow(null));

        AsyncLock lock = AsyncLock.create();
        assertNpe("body (AsyncLock.withLock)", () -> lock.withLock((Callable<String>) null));
        assertNpe("body (AsyncLock.withLockAsync)", () -> lock.withLockAsync((Callable<CompletionStage<String>>) null));

        AsyncSemaphore sem = AsyncSemaphore.create(1);
        assertNpe("body (AsyncSemaphore.withPermit)", () -> sem.withPermit((Callable<String>) null));
        assertNpe("body (AsyncSemaphore.withPermitAsync)", () -> sem.withPermitAsync((Callable<CompletionStage<String>>) null));

        AsyncCondition cond = AsyncCondition.create();
        assertNpe("predicate (AsyncCondition.awaitUntil)", () -> cond.awaitUntil((BooleanSupplier) null));
        assertNpe("predicate (AsyncCondition.awaitUntilAsync)", () -> cond.awaitUntilAsync((BooleanSupplier) null));
    }
}
