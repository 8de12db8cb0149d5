package dev.aio4j.sync;

import dev.aio4j.Task;
import dev.aio4j.spi.AsyncProvider;
import java.util.Comparator;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A queue for producer and consumer tasks: asyncio's {@code Queue} ({@link #create}), {@code
 * LifoQueue} ({@link #lifo}) and {@code PriorityQueue} ({@link #priority}), bounded or not, with
 * {@code task_done}/{@code join} and Python 3.13's {@code shutdown}.
 *
 * <pre>{@code
 * AsyncQueue<Job> jobs = AsyncQueue.create(100);
 * // producer (blocking style): waits while the queue is full
 * jobs.put(job);
 * // consumer (blocking style)
 * while (true) {
 *     Job job = jobs.get();
 *     try { run(job); } finally { jobs.taskDone(); }
 * }
 * // consumer (non-blocking style): taskDone() once the job has run, not for a get that got nothing
 * jobs.getAsync().thenCompose(job -> runAsync(job).whenComplete((r, e) -> jobs.taskDone()));
 * }</pre>
 *
 * <p>Items may not be {@code null}. The <a href="AsyncLock.html#general">general rules</a> of
 * {@code dev.aio4j.sync} apply: the blocking methods ({@link #put}, {@link #get}, {@link #join})
 * refuse a loop's thread and turn an interrupt into
 * {@link java.util.concurrent.CancellationException}; the {@code ...Async} methods need a current
 * loop; getters and putters wait first come, first served; every method is safe to call from any
 * thread.
 *
 * <h2 id="cancellation">Cancellation never loses an item</h2>
 * As asyncio's queue, and unlike a kotlinx {@code Channel} without {@code onUndeliveredElement},
 * whose {@code receive} drops an element handed to a receiver cancelled at that moment. Every
 * operation takes effect at one instant (the queue is linearizable), and:
 * <ul>
 * <li>A get or put that is cancelled (its task cancelled, or its thread interrupted) while it
 *     waits takes no item, puts no item.
 * <li>A blocking one that has been served (handed its item, or its item let in) completes
 *     normally even if a cancellation comes at that moment: {@link #get()} returns the item and
 *     {@link #put} returns, with the thread's interrupt flag set again (the JDK's rule, see
 *     <a href="AsyncLock.html#general">General rules</a>).
 * <li>A {@link #getAsync()} task that has been handed its item completes in a later step of its
 *     loop; cancelled before then (its {@link Task#cancel()}, a task that follows it and is
 *     cancelled, a timeout, a group, a Kotlin coroutine awaiting it), it gives the item back at
 *     once, to the next waiting getter or back into the queue, and ends {@code CANCELLED}:
 *     as asyncio's getter, only woken at that moment, leaves the item in the queue. It goes back
 *     to the place it would have had if no getter had taken it: before every item put after it
 *     that is still in the queue (taken first from a FIFO queue, last from a LIFO one), items
 *     given back in the order they were put, a priority queue's by priority. Items put after it
 *     and already handed to other getters stay theirs, so across consumers the order may differ
 *     from asyncio's, whose woken getters take the items in the queue's order when they resume.
 *     The item is handed over under the queue's lock, which keeps the queue linearizable.
 *     <b>A bounded queue and hand-over:</b> an item handed straight to a waiting getter is not in
 *     the queue, so a put (and {@link #putNow}) succeeds at once for every waiting getter, where
 *     asyncio's {@code put_nowait} keeps the item in the queue until its getter resumes (then
 *     {@code full()} is true and the next {@code put_nowait} raises {@code QueueFull}). Items that
 *     served getters give back go back in even when the queue is full: such a queue holds more
 *     than its size, by at most the number of getters cancelled after they were served, until
 *     those items are taken (puts wait meanwhile). A {@link #putAsync} task whose
 *     item was let in has taken effect: its {@code cancel()} returns {@code false} and it
 *     succeeds, and so does a task that follows it.
 * </ul>
 *
 * <h2 id="shutdown">Shut down</h2>
 * After {@link #shutdown()}, puts fail with {@link QueueShutDownException}; gets go on returning
 * the items left and then fail with it too; waiting putters and getters are released with it. A
 * {@linkplain #shutdown(boolean) immediate} shutdown also discards the items left, counting them
 * as done for {@link #join()}.
 *
 * @param <T> the type of the items
 */
public interface AsyncQueue<T> {

    /**
     * Creates an unbounded first-in, first-out queue (asyncio's {@code Queue()}).
     *
     * @param <T> the type of the items
     * @return a new queue
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static <T> AsyncQueue<T> create() {
        return create(0);
    }

    /**
     * Creates a first-in, first-out queue holding at most {@code maxSize} items (asyncio's
     * {@code Queue(maxsize)}).
     *
     * @param maxSize the capacity; {@code 0} for an unbounded queue, as in asyncio
     * @param <T> the type of the items
     * @return a new queue
     * @throws IllegalArgumentException if {@code maxSize} is negative
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static <T> AsyncQueue<T> create(int maxSize) {
        return AsyncProvider.get().newFifoQueue(checkMaxSize(maxSize));
    }

    /**
     * Creates a last-in, first-out queue, a stack, holding at most {@code maxSize} items (asyncio's
     * {@code LifoQueue(maxsize)}).
     *
     * @param maxSize the capacity; {@code 0} for an unbounded queue
     * @param <T> the type of the items
     * @return a new queue
     * @throws IllegalArgumentException if {@code maxSize} is negative
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static <T> AsyncQueue<T> lifo(int maxSize) {
        return AsyncProvider.get().newLifoQueue(checkMaxSize(maxSize));
    }

    /**
     * Creates a priority queue whose gets return the smallest item first, by the items' natural
     * order (asyncio's {@code PriorityQueue(maxsize)}, a min-heap); equal items come out in no
     * particular order.
     *
     * @param maxSize the capacity; {@code 0} for an unbounded queue
     * @param <T> the type of the items
     * @return a new queue
     * @throws IllegalArgumentException if {@code maxSize} is negative
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static <T extends Comparable<? super T>> AsyncQueue<T> priority(int maxSize) {
        return AsyncProvider.get().newPriorityQueue(checkMaxSize(maxSize), null);
    }

    /**
     * Creates a priority queue whose gets return the smallest item first by {@code comparator}
     * (asyncio's {@code PriorityQueue}, with the order given instead of taken from tuples). The
     * comparator is called with the queue's internal lock held: it must be quick and must not use
     * the queue. If it throws, the put that called it fails with its exception and puts nothing.
     *
     * @param maxSize the capacity; {@code 0} for an unbounded queue
     * @param comparator the order of the items
     * @param <T> the type of the items
     * @return a new queue
     * @throws NullPointerException if {@code comparator} is null
     * @throws IllegalArgumentException if {@code maxSize} is negative
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static <T> AsyncQueue<T> priority(int maxSize, Comparator<? super T> comparator) {
        Objects.requireNonNull(comparator, "comparator");
        return AsyncProvider.get().newPriorityQueue(checkMaxSize(maxSize), comparator);
    }

    private static int checkMaxSize(int maxSize) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("maxSize must not be negative (0 means unbounded): " + maxSize);
        }
        return maxSize;
    }

    /**
     * Puts an item, parking the calling thread while the queue is full (asyncio's
     * {@code await queue.put(item)}, for blocking-style bodies).
     *
     * <p><b>Cancellation:</b> an interrupt throws {@link java.util.concurrent.CancellationException}
     * with the item not put; see <a href="#cancellation">Cancellation</a>.
     *
     * <p><b>Exceptions:</b> {@link QueueShutDownException} if the queue is shut down, before or
     * while this call waits.
     *
     * <p><b>Threading:</b> actions before this call happen-before the get that returns the item.
     *
     * @param item the item
     * @throws NullPointerException if {@code item} is null
     * @throws QueueShutDownException if the queue is shut down
     * @throws java.util.concurrent.CancellationException if interrupted
     * @throws IllegalStateException if called on a loop's own thread
     */
    void put(T item);

    /**
     * Returns a task that puts an item, waiting while the queue is full (asyncio's
     * {@code queue.put(item)}). If there is room and no one waits to put, the item is put before
     * this method returns and the task is already done.
     *
     * <p><b>Cancellation:</b> cancelling the task while it waits withdraws the item; see
     * <a href="#cancellation">Cancellation</a>.
     *
     * <p><b>Exceptions:</b> the task fails with {@link QueueShutDownException} if the queue is shut
     * down, before or while it waits.
     *
     * @param item the item
     * @return a task that completes (with {@code null}) when the item is in the queue
     * @throws NullPointerException if {@code item} is null
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is
     *     closed
     */
    Task<@Nullable Void> putAsync(T item);

    /**
     * Puts an item if there is room, without waiting (asyncio's {@code put_nowait}); a getter
     * waiting for one gets it at once.
     *
     * <p><b>Threading:</b> actions before this call happen-before the get that returns the item.
     *
     * @param item the item
     * @throws NullPointerException if {@code item} is null
     * @throws QueueFullException if the queue is full
     * @throws QueueShutDownException if the queue is shut down
     */
    void putNow(T item);

    /**
     * Takes the next item, parking the calling thread while the queue is empty (asyncio's
     * {@code await queue.get()}, for blocking-style bodies).
     *
     * <p><b>Cancellation:</b> an interrupt throws {@link java.util.concurrent.CancellationException}
     * with no item taken; see <a href="#cancellation">Cancellation</a>.
     *
     * <p><b>Exceptions:</b> {@link QueueShutDownException} if the queue is shut down and empty,
     * before or while this call waits.
     *
     * <p><b>Threading:</b> actions before the put of the item happen-before this method returns.
     *
     * @return the item
     * @throws QueueShutDownException if the queue is shut down and empty
     * @throws java.util.concurrent.CancellationException if interrupted
     * @throws IllegalStateException if called on a loop's own thread
     */
    T get();

    /**
     * Returns a task that takes the next item, waiting while the queue is empty (asyncio's
     * {@code queue.get()}). If an item is there, it is taken before this method returns and the
     * task is already done.
     *
     * <p><b>Cancellation:</b> cancelling the task while it waits withdraws it and no item is
     * taken; cancelling it once it was handed its item but before it completed gives the item back;
     * see <a href="#cancellation">Cancellation</a>.
     *
     * <p><b>Exceptions:</b> the task fails with {@link QueueShutDownException} if the queue is shut
     * down and empty, before or while it waits.
     *
     * @return a task of the item
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is
     *     closed
     */
    Task<T> getAsync();

    /**
     * Takes the next item if there is one, without waiting (asyncio's {@code get_nowait}); the
     * first putter waiting for room puts its item at once.
     *
     * <p><b>Threading:</b> actions before the put of the item happen-before this method returns.
     *
     * @return the item
     * @throws QueueEmptyException if the queue is empty
     * @throws QueueShutDownException if the queue is shut down and empty
     */
    T getNow();

    /**
     * Marks an item taken by a get as processed (asyncio's {@code task_done()}): when every item
     * put so far has been marked, {@link #join()} returns.
     *
     * @throws IllegalStateException if called more times than items were put (asyncio's
     *     {@code ValueError})
     */
    void taskDone();

    /**
     * Waits until every item put so far has been taken and marked with {@link #taskDone()},
     * parking the calling thread (asyncio's {@code await queue.join()}); returns at once if none
     * is pending.
     *
     * <p><b>Cancellation:</b> an interrupt throws {@link java.util.concurrent.CancellationException};
     * the queue is not affected.
     *
     * <p><b>Threading:</b> actions before each {@link #taskDone()} happen-before this method
     * returns.
     *
     * @throws java.util.concurrent.CancellationException if interrupted
     * @throws IllegalStateException if called on a loop's own thread
     */
    void join();

    /**
     * Returns a task that completes (with {@code null}) when every item put so far has been taken
     * and marked with {@link #taskDone()} (asyncio's {@code queue.join()}).
     *
     * <p><b>Cancellation:</b> cancelling the task ends its wait; the queue is not affected.
     *
     * @return a task that completes when no item is pending
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is
     *     closed
     */
    Task<@Nullable Void> joinAsync();

    /**
     * Shuts the queue down, keeping the items in it (asyncio's {@code shutdown()}); see
     * <a href="#shutdown">Shut down</a>. Waiting putters, and waiting getters (there are items
     * only when no getter waits), fail with {@link QueueShutDownException}. A second call does
     * nothing more. Throws nothing.
     */
    void shutdown();

    /**
     * Shuts the queue down (asyncio's {@code shutdown(immediate)}); with {@code immediate}, the
     * items left are discarded and counted as done, which may release {@link #join()}. Throws
     * nothing.
     *
     * @param immediate whether to discard the items left
     */
    void shutdown(boolean immediate);

    /**
     * {@return whether {@link #shutdown()} has been called} asyncio has no public equivalent (its
     * {@code _is_shutdown} is private). Throws nothing.
     */
    boolean isShutDown();

    /** {@return the number of items in the queue (asyncio's {@code qsize()})}; a snapshot. Throws nothing. */
    int size();

    /** {@return whether the queue holds no item (asyncio's {@code empty()})}; a snapshot. Throws nothing. */
    boolean isEmpty();

    /**
     * {@return whether a put would wait now (asyncio's {@code full()})}; always {@code false} for
     * an unbounded queue; a snapshot. Throws nothing.
     */
    boolean isFull();

    /** {@return the capacity, {@code 0} for an unbounded queue (asyncio's {@code maxsize})} Throws nothing. */
    int maxSize();
}
