package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Promise;
import dev.aio4j.ReturnWhen;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * "Bad input loses nothing": a call refused for a bad duration, a null element, a mix of loops or
 * a thread without a loop leaves its pending inputs as they were (not cancelled, not adopted: no
 * new task in allTasks), calls no body, and takes no item, permit or lock. The null sweep checks
 * this with done inputs only; here the inputs are pending.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BadInputLosesNothingTest {
    private static final Duration NEG = Duration.ofNanos(-1);

    Loop loop;
    LoopContractSupport.Reports reports = new LoopContractSupport.Reports();

    @BeforeEach
    void make() {
        loop = Async.newLoop();
        loop.setExceptionHandler(reports);
    }

    @AfterEach
    void close() {
        loop.close();
        reports.assertNone();
    }

    /** Runs {@code check} as the loop's main (a blocking task), on the loop. */
    private void onLoop(Executable check) {
        loop.runUntilComplete(loop.createTask(() -> {
            try {
                check.execute();
            } catch (Throwable e) {
                throw new AssertionError(e);
            }
        }));
    }

    private static void assertRefusedLeavingAlone(Loop loop, Class<? extends Throwable> type, Executable call, Task<?> pending, String what) {
        Set<Task<?>> before = loop.allTasks();
        assertThrows(type, call, what);
        assertFalse(pending.isDone(), what + ": the pending input was finished by a refused call");
        Set<Task<?>> after = loop.allTasks();
        after.removeAll(before);
        assertTrue(after.isEmpty(), what + ": a refused call left tasks behind: " + after);
    }

    @Test
    void negativeTimeoutsRefuseWithoutTouchingTheTask() {
        onLoop(() -> {
            Promise<String> p = loop.createPromise();
            AtomicInteger bodies = new AtomicInteger();
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.waitFor(p, NEG), p, "waitFor(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.wait(List.of(p), ReturnWhen.FIRST_COMPLETED, NEG), p, "wait(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.asCompleted(List.of(p), NEG), p, "asCompleted(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.asCompletedAsync(List.of(p), NEG), p, "asCompletedAsync(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> p.join(NEG), p, "join(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.timeoutAsync(NEG, () -> {
                bodies.incrementAndGet();
                return p;
            }), p, "timeoutAsync(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.timeout(NEG, () -> bodies.incrementAndGet()), p, "timeout(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.timeoutScopeAsync(NEG, s -> {
                bodies.incrementAndGet();
                return p;
            }), p, "timeoutScopeAsync(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.timeoutScope(NEG, s -> bodies.incrementAndGet()), p, "timeoutScope(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.sleepAsync(NEG), p, "sleepAsync(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.sleep(NEG), p, "sleep(-1ns)");
            assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> loop.callLater(NEG, bodies::incrementAndGet), p, "callLater(-1ns)");
            assertEquals(0, bodies.get(), "a refused call ran a body");
            p.complete("done");
        });
    }

    /** A null among the stages: nothing is adopted, no pending stage cancelled. */
    @Test
    void aNullAmongPendingStagesAdoptsAndCancelsNothing() {
        onLoop(() -> {
            Promise<String> p = loop.createPromise();
            CompletableFuture<String> cf = new CompletableFuture<>();
            List<CompletionStage<String>> withNull = Arrays.asList(p, cf, null);
            assertRefusedLeavingAlone(loop, NullPointerException.class, () -> Async.gather(withNull), p, "gather(p, cf, null)");
            assertRefusedLeavingAlone(loop, NullPointerException.class, () -> Async.gatherOutcomes(withNull), p, "gatherOutcomes(p, cf, null)");
            assertRefusedLeavingAlone(loop, NullPointerException.class, () -> Async.gather(cf, p, null), p, "gather(cf, p, null)");
            List<Task<String>> tasksWithNull = Arrays.asList(p, null);
            assertRefusedLeavingAlone(loop, NullPointerException.class, () -> Async.wait(tasksWithNull), p, "wait(p, null)");
            assertRefusedLeavingAlone(loop, NullPointerException.class, () -> Async.asCompletedAsync(tasksWithNull), p, "asCompletedAsync(p, null)");
            assertFalse(cf.isDone(), "the CompletableFuture was cancelled");
            p.complete("done");
        });
    }

    /** Stages of two loops: refused (IllegalArgumentException), and nothing adopted on either loop. */
    @Test
    void aMixOfLoopsAdoptsAndCancelsNothing() {
        Loop other = Async.newLoop();
        try {
            Promise<String> theirs = other.createPromise();
            onLoop(() -> {
                Promise<String> p = loop.createPromise();
                CompletableFuture<String> cf = new CompletableFuture<>();
                Set<Task<?>> otherBefore = other.allTasks();
                assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.gather(p, cf, theirs), p, "gather(mine, cf, theirs)");
                assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.gather(cf, p, theirs), p, "gather(cf, mine, theirs)");
                assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.gatherOutcomes(p, cf, theirs), p, "gatherOutcomes(mine, cf, theirs)");
                assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.wait(List.of(p, theirs)), p, "wait(mine, theirs)");
                assertRefusedLeavingAlone(loop, IllegalArgumentException.class, () -> Async.asCompletedAsync(List.of(p, theirs)), p, "asCompletedAsync(mine, theirs)");
                assertEquals(otherBefore, other.allTasks(), "tasks were made on the other loop");
                assertFalse(theirs.isDone());
                assertFalse(cf.isDone());
                p.complete("done");
            });
        } finally {
            other.close();
        }
    }

    /** The ...Async methods of the primitives called on a thread with no loop: refused, and nothing taken. */
    @Test
    void primitivesCalledWithoutALoopTakeNothing() throws Exception {
        AsyncQueue<String> q = AsyncQueue.create(2);
        q.putNow("a");
        AsyncSemaphore s = AsyncSemaphore.create(1);
        AsyncLock lock = AsyncLock.create();
        LoopContractSupport.assertIse(q::getAsync, "getAsync without a loop");
        LoopContractSupport.assertIse(() -> q.putAsync("b"), "putAsync without a loop");
        LoopContractSupport.assertIse(s::acquireAsync, "acquireAsync without a loop");
        LoopContractSupport.assertIse(lock::acquireAsync, "lock.acquireAsync without a loop");
        LoopContractSupport.assertIse(() -> lock.withLockAsync(() -> CompletableFuture.completedFuture(1)), "withLockAsync without a loop");
        LoopContractSupport.assertIse(() -> s.withPermitAsync(() -> CompletableFuture.completedFuture(1)), "withPermitAsync without a loop");
        assertEquals(1, q.size(), "an item was taken or added");
        assertEquals("a", q.getNow());
        assertEquals(1, s.availablePermits(), "a permit was taken");
        assertFalse(lock.isLocked(), "the lock was taken");
    }
}
