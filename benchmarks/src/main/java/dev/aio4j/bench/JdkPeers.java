package dev.aio4j.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The JDK peers of every workload, written as a Java programmer writes them without aio4j:
 * virtual threads with {@code java.util.concurrent} blocking primitives, {@code CompletableFuture},
 * {@code SubmissionPublisher}. Virtual threads are found by reflection, so that this module compiles
 * for Java 17 like the rest; on JDK 17–20 their peers throw {@link UnsupportedOperationException}
 * (and {@code benchmarks/run} leaves them out).
 *
 * <p>Every method starts and ends its own threads, and returns something derived from every result.
 */
public final class JdkPeers {
    private static final @Nullable ThreadFactory VIRTUAL = findVirtualThreadFactory();

    private JdkPeers() {}

    /** {@return whether this JVM has virtual threads (JDK 21+)} */
    public static boolean hasVirtualThreads() {
        return VIRTUAL != null;
    }

    /**
     * {@return a factory of unstarted virtual threads ({@code Thread.ofVirtual().factory()})}
     *
     * @throws UnsupportedOperationException on JDK 17–20
     */
    public static ThreadFactory virtualThreads() {
        ThreadFactory f = VIRTUAL;
        if (f == null) {
            throw new UnsupportedOperationException("virtual threads need JDK 21 or later; this JVM is " + Runtime.version());
        }
        return f;
    }

    private static @Nullable ThreadFactory findVirtualThreadFactory() {
        try {
            var lookup = MethodHandles.publicLookup();
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            Object b = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual)).invoke();
            return (ThreadFactory) lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class)).invoke(b);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------ 1. spawn + await

    /**
     * Starts {@code n} virtual threads that each store their index, and joins them all: the bare
     * virtual-thread start+join that aio4j's blocking-style tasks are measured against.
     *
     * @param n how many threads
     * @return the sum of what they stored
     * @throws InterruptedException if interrupted while joining
     */
    public static long virtualThreadsStartJoin(int n) throws InterruptedException {
        ThreadFactory factory = virtualThreads();
        Thread[] threads = new Thread[n];
        int[] results = new int[n];
        for (int i = 0; i < n; i++) {
            int index = i;
            threads[i] = factory.newThread(() -> results[index] = index);
            threads[i].start();
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            threads[i].join();
            sum += results[i];
        }
        return sum;
    }

    /**
     * {@code n} {@code CompletableFuture.supplyAsync(() -> i, executor)} gathered with
     * {@code allOf}. With a null executor this is {@code supplyAsync}'s default: on a machine whose
     * {@code ForkJoinPool.commonPool()} has a parallelism of 1 (2 cores), a new platform thread per
     * task, the JDK trap that aio4j never falls into.
     *
     * @param n how many futures
     * @param executor where the suppliers run, or null for the JDK's default async executor
     * @return the sum of the results
     */
    public static long completableFutures(int n, @Nullable Executor executor) {
        List<CompletableFuture<Integer>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Integer value = i;
            futures.add(executor == null ? CompletableFuture.supplyAsync(() -> value) : CompletableFuture.supplyAsync(() -> value, executor));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();
        long sum = 0;
        for (CompletableFuture<Integer> f : futures) sum += f.join();
        return sum;
    }

    // ------------------------------------------------------------------------ 2. concurrent sleepers

    /**
     * Starts {@code n} virtual threads that count themselves in {@code started} and sleep
     * {@code millis}, and joins them all.
     *
     * @param n how many
     * @param millis how long each sleeps
     * @param started counts the threads that have begun sleeping
     * @return {@code n}
     * @throws InterruptedException if interrupted while joining
     */
    public static int virtualThreadSleepers(int n, long millis, AtomicInteger started) throws InterruptedException {
        ThreadFactory factory = virtualThreads();
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            threads[i] = factory.newThread(() -> {
                started.incrementAndGet();
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) t.join();
        return n;
    }

    /**
     * {@code n} futures completed by the JDK's timer ({@code completeOnTimeout}, one shared
     * "CompletableFutureDelayScheduler" thread) after {@code millis}, gathered with {@code allOf}.
     *
     * @param n how many
     * @param millis how long each waits
     * @param started counts the futures made
     * @return {@code n}
     */
    public static int completableFutureSleepers(int n, long millis, AtomicInteger started) {
        CompletableFuture<?>[] futures = new CompletableFuture<?>[n];
        for (int i = 0; i < n; i++) {
            started.incrementAndGet();
            futures[i] = new CompletableFuture<@Nullable Void>().completeOnTimeout(null, millis, TimeUnit.MILLISECONDS);
        }
        CompletableFuture.allOf(futures).join();
        return n;
    }

    // ------------------------------------------------------------------------ 3. iteration

    /**
     * A {@code SubmissionPublisher} with a buffer of {@code capacity} delivers the ints
     * {@code 0 until n}, submitted by the calling thread, to one subscriber that runs on
     * {@code executor} and requests everything at once.
     *
     * @param n how many elements
     * @param capacity the publisher's buffer
     * @param executor where the subscriber runs
     * @return the sum of the elements the subscriber saw
     * @throws InterruptedException if interrupted while waiting for the subscriber
     */
    public static long submissionPublisher(int n, int capacity, Executor executor) throws InterruptedException {
        Summing subscriber = new Summing();
        try (SubmissionPublisher<Integer> publisher = new SubmissionPublisher<>(executor, capacity)) {
            publisher.subscribe(subscriber);
            for (int i = 0; i < n; i++) publisher.submit(i);
        }
        return subscriber.await();
    }

    /**
     * Subscribes the subscriber of {@link #submissionPublisher} (request everything, sum) to
     * {@code publisher} and waits for its end.
     *
     * @param publisher the publisher
     * @return the sum of the elements the subscriber saw
     * @throws InterruptedException if interrupted while waiting for the subscriber
     */
    public static long consume(Flow.Publisher<Integer> publisher) throws InterruptedException {
        Summing subscriber = new Summing();
        publisher.subscribe(subscriber);
        return subscriber.await();
    }

    /** Requests everything and sums; {@link #await()} waits for the end. */
    private static final class Summing implements Flow.Subscriber<Integer> {
        private final CountDownLatch done = new CountDownLatch(1);
        private long sum;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Integer item) {
            sum += item;
        }

        @Override
        public void onError(Throwable throwable) {
            throwable.printStackTrace();
            done.countDown();
        }

        @Override
        public void onComplete() {
            done.countDown();
        }

        long await() throws InterruptedException {
            done.await();
            return sum; // the latch orders the subscriber's writes before this read
        }
    }

    // ------------------------------------------------------------------------ producer -> bounded queue -> consumer

    /**
     * A producer virtual thread puts the ints {@code 0 until n} into an
     * {@code ArrayBlockingQueue(capacity)}; a consumer virtual thread takes them.
     *
     * @param n how many items
     * @param capacity the queue's bound
     * @return the sum of the items taken
     * @throws InterruptedException if interrupted while joining
     */
    public static long virtualThreadQueue(int n, int capacity) throws InterruptedException {
        ThreadFactory factory = virtualThreads();
        BlockingQueue<Integer> queue = new ArrayBlockingQueue<>(capacity);
        long[] sum = {0};
        Thread producer = factory.newThread(() -> {
            try {
                for (int i = 0; i < n; i++) queue.put(i);
                queue.put(-1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread consumer = factory.newThread(() -> {
            try {
                for (int x = queue.take(); x >= 0; x = queue.take()) sum[0] += x;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        producer.start();
        producer.join();
        consumer.join();
        return sum[0];
    }

    // ------------------------------------------------------------------------ 4. semaphore-limited fan-out

    /**
     * {@code tasks} virtual threads, at most {@code permits} of them at a time between
     * {@code Semaphore.acquire} and {@code release}, each sleeping {@code millis} there.
     *
     * @param tasks how many threads
     * @param permits the semaphore's permits
     * @param millis how long each holds its permit
     * @return {@code tasks}
     * @throws InterruptedException if interrupted while joining
     */
    public static int virtualThreadFanOut(int tasks, int permits, long millis) throws InterruptedException {
        ThreadFactory factory = virtualThreads();
        Semaphore semaphore = new Semaphore(permits);
        Thread[] threads = new Thread[tasks];
        for (int i = 0; i < tasks; i++) {
            threads[i] = factory.newThread(() -> {
                try {
                    semaphore.acquire();
                    try {
                        Thread.sleep(millis);
                    } finally {
                        semaphore.release();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) t.join();
        return tasks;
    }

    // ------------------------------------------------------------------------ 5. lock hand-off

    /**
     * Two virtual threads take a fair {@code ReentrantLock} in turn, {@code handoffs} times in all;
     * each yields while it holds the lock, so that the other is queued when it unlocks and the fair
     * lock hands it over (the shape of the kotlinx and asyncio peers).
     *
     * @param handoffs how many times the lock changes hands
     * @return how many times the lock was taken
     * @throws InterruptedException if interrupted while joining
     */
    public static long virtualThreadLockHandoff(int handoffs) throws InterruptedException {
        ThreadFactory factory = virtualThreads();
        ReentrantLock lock = new ReentrantLock(true);
        long[] count = {0};
        Runnable side = () -> {
            for (int i = 0; i < handoffs / 2; i++) {
                lock.lock();
                try {
                    count[0]++;
                    Thread.yield();
                } finally {
                    lock.unlock();
                }
            }
        };
        Thread a = factory.newThread(side);
        Thread b = factory.newThread(side);
        a.start();
        b.start();
        a.join();
        b.join();
        return count[0];
    }
}
