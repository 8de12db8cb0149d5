package dev.aio4j.sync;

/**
 * A lock or semaphore permit held by a blocking-style body, released by {@link #close()}: what
 * {@link AsyncLock#lock()} and {@link AsyncSemaphore#acquire()} return, for try-with-resources
 * (asyncio's {@code async with lock:}).
 *
 * <p>Where the body does not need the handle, prefer {@link AsyncLock#withLock(dev.aio4j.ThrowingRunnable)}
 * and {@link AsyncSemaphore#withPermit(dev.aio4j.ThrowingRunnable)}: javac's {@code -Xlint:try}
 * reports a resource that the body never names, and a build with {@code -Werror} fails on
 * {@code try (Held held = lock.lock()) { update(shared); }}.
 *
 * <pre>{@code
 * lock.withLock(() -> { update(shared); });
 * try (Held held = lock.lock()) {             // when the handle is needed
 *     handOff(held);
 * }
 * }</pre>
 *
 * <p>Thread-safe; it may be closed from any thread, like asyncio's {@code release()}: neither a
 * lock nor a semaphore of aio4j has an owner.
 */
public interface Held extends AutoCloseable {

    /**
     * Releases what this handle holds (asyncio's {@code release()}), the first time it is called;
     * later calls do nothing, so that a handle never releases a lock that someone else has taken
     * since. It never waits: there is nothing to cancel in it.
     *
     * @throws IllegalStateException on the first call, as {@link AsyncLock#release()} or
     *     {@link AsyncSemaphore#release()} throws it: the lock is no longer locked (another task
     *     released it meanwhile: it has no owner), or the semaphore is bounded and all its permits
     *     are free
     */
    @Override
    void close();
}
