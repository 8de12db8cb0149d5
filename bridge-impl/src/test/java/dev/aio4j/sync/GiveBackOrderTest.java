package dev.aio4j.sync;

import static dev.aio4j.sync.SyncTestSupport.onLoopThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where the items of served getters that are cancelled before they take them go back: to the
 * places they would have in the queue had no getter taken them, which is where asyncio's items
 * are (its woken getter takes the item only when it runs, and a getter cancelled before that
 * leaves it in the deque). Each case runs in one step of the loop: the puts serve the waiting
 * getters, the cancels come before the getters' completing step, and the queue is drained with
 * getNow() in the same step.
 *
 * <p>Found from outside (2026-12-07): the items went back one by one to the head (FIFO) or the top
 * (LIFO), so that two given back came out reversed ([2, 1, 3] for FIFO, where asyncio gives
 * [1, 2, 3]), and a LIFO queue's given-back item came out before one put after it.
 */
@Timeout(60)
class GiveBackOrderTest {

    /** Runs {@code body} on the loop's thread, in one step, in a fresh run. */
    private static <T> T inOneStep(java.util.function.Function<Loop, T> body) {
        return Async.run(loop -> onLoopThread(loop, () -> body.apply(loop)));
    }

    private static List<Integer> drain(AsyncQueue<Integer> q) {
        List<Integer> left = new ArrayList<>();
        while (!q.isEmpty()) left.add(q.getNow());
        return left;
    }

    private static List<Task<Integer>> waitingGetters(AsyncQueue<Integer> q, int n) {
        List<Task<Integer>> getters = new ArrayList<>();
        for (int i = 0; i < n; i++) getters.add(q.getAsync());
        for (Task<Integer> g : getters) assertTrue(!g.isDone(), "a getter of an empty queue is done");
        return getters;
    }

    /** Two served getters cancelled in the order [first, second] of the given indexes; what the queue then yields. */
    private static List<Integer> twoGivenBack(Supplier<AsyncQueue<Integer>> kind, int first, int second) {
        return inOneStep(loop -> {
            AsyncQueue<Integer> q = kind.get();
            List<Task<Integer>> getters = waitingGetters(q, 2);
            q.putNow(1); // to getter 0
            q.putNow(2); // to getter 1
            q.putNow(3); // into the queue
            assertTrue(getters.get(first).cancel());
            assertTrue(getters.get(second).cancel());
            return drain(q);
        });
    }

    @Test
    void fifoItemsGivenBackInTheOrderTheyWereServedComeOutInTheirPutOrder() {
        assertEquals(List.of(1, 2, 3), twoGivenBack(AsyncQueue::create, 0, 1));
    }

    @Test
    void fifoItemsGivenBackInTheReverseOrderComeOutInTheirPutOrder() {
        assertEquals(List.of(1, 2, 3), twoGivenBack(AsyncQueue::create, 1, 0));
    }

    @Test
    void lifoItemsGivenBackComeOutAfterTheItemsPutLaterNewestFirst() {
        assertEquals(List.of(3, 2, 1), twoGivenBack(() -> AsyncQueue.lifo(0), 0, 1));
        assertEquals(List.of(3, 2, 1), twoGivenBack(() -> AsyncQueue.lifo(0), 1, 0));
    }

    @Test
    void priorityItemsGivenBackComeOutInTheirOrder() {
        assertEquals(List.of(1, 2, 3), twoGivenBack(() -> AsyncQueue.priority(0), 0, 1));
    }

    /** One item given back to a LIFO queue that had another put after it: the later one is on top. */
    @Test
    void aLifoItemGivenBackStaysUnderAnItemPutAfterIt() {
        List<Integer> left = inOneStep(loop -> {
            AsyncQueue<Integer> q = AsyncQueue.lifo(0);
            Task<Integer> getter = waitingGetters(q, 1).get(0);
            q.putNow(1); // to the getter
            q.putNow(3);
            assertTrue(getter.cancel());
            return drain(q);
        });
        assertEquals(List.of(3, 1), left);
    }

    /**
     * An item given back while another getter waits goes to that getter, and keeps its place: when
     * that getter is cancelled too, the item goes back before one given back in between.
     */
    @Test
    void anItemPassedOnToTheNextGetterKeepsItsPlaceWhenGivenBackAgain() {
        assertEquals(List.of(1, 2), passedOnThenGivenBack(AsyncQueue::create));
        assertEquals(List.of(2, 1), passedOnThenGivenBack(() -> AsyncQueue.lifo(0)));
    }

    private static List<Integer> passedOnThenGivenBack(Supplier<AsyncQueue<Integer>> kind) {
        return inOneStep(loop -> {
            AsyncQueue<Integer> q = kind.get();
            List<Task<Integer>> getters = waitingGetters(q, 2);
            q.putNow(1); // to getter 0
            q.putNow(2); // to getter 1
            Task<Integer> third = waitingGetters(q, 1).get(0);
            assertTrue(getters.get(0).cancel()); // 1 goes on to the third getter
            assertEquals(0, q.size(), "the item given back did not go on to the waiting getter");
            assertTrue(getters.get(1).cancel()); // 2 goes back: nobody waits
            assertTrue(third.cancel()); // 1 goes back
            return drain(q);
        });
    }

    /** The given-back items are taken first (FIFO) even when the queue is shut down: nothing is lost or doubled. */
    @Test
    void givenBackItemsAreCountedAsTheQueuesOwn() {
        List<Integer> left = inOneStep(loop -> {
            AsyncQueue<Integer> q = AsyncQueue.create();
            List<Task<Integer>> getters = waitingGetters(q, 3);
            q.putNow(1);
            q.putNow(2);
            q.putNow(3);
            q.putNow(4);
            assertTrue(getters.get(2).cancel());
            assertTrue(getters.get(0).cancel());
            List<Integer> out = new ArrayList<>();
            out.add(q.getNow()); // 1
            q.putNow(5);
            assertTrue(getters.get(1).cancel());
            q.shutdown();
            out.addAll(drain(q));
            return out;
        });
        assertEquals(List.of(1, 2, 3, 4, 5), left);
    }
}
