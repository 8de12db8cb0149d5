package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Async.wait(..., FIRST_COMPLETED) reports every task that completed in the same loop step, as
 * asyncio's done set does: the wait completes in a step after the first completion, and takes
 * its done/pending split then.
 */
class WaitFirstCompletedTest extends LoopFixture {

    @Test
    void twoPromisesCompletedInOneCallbackAreBothDone() {
        Promise<Integer> a = loop.createPromise();
        Promise<Integer> b = loop.createPromise();
        Promise<Integer> c = loop.createPromise();
        Task<Done<Integer>> w = Async.wait(List.of(a, b, c), ReturnWhen.FIRST_COMPLETED);
        loop.callSoon(() -> {
            a.complete(1);
            b.complete(2);
        });
        Done<Integer> done = loop.runUntilComplete(w);
        assertEquals(Set.of(a, b), done.done());
        assertEquals(Set.of(c), done.pending());
        c.cancel();
    }

    @Test
    void fromABlockingBodyTooTwoCompletedInOneCallbackAreBothDone() {
        Done<Integer> done = loop.runUntilComplete(loop.createTask(() -> {
            Promise<Integer> a = loop.createPromise();
            Promise<Integer> b = loop.createPromise();
            loop.callSoon(() -> {
                b.fail(new IllegalStateException("b"));
                a.complete(1);
            });
            Done<Integer> d = Async.wait(List.of(a, b), ReturnWhen.FIRST_COMPLETED).join();
            b.exceptionNow();
            return d;
        }));
        assertEquals(2, done.done().size());
        assertEquals(Set.of(), done.pending());
    }

    @Test
    void firstExceptionTooReportsWhatCompletedInTheSameStep() {
        Promise<Integer> a = loop.createPromise();
        Promise<Integer> b = loop.createPromise();
        Task<Done<Integer>> w = Async.wait(List.of(a, b), ReturnWhen.FIRST_EXCEPTION);
        loop.callSoon(() -> {
            a.fail(new IllegalStateException("a"));
            b.complete(2);
        });
        Done<Integer> done = loop.runUntilComplete(w);
        assertEquals(Set.of(a, b), done.done());
        a.exceptionNow();
    }
}
