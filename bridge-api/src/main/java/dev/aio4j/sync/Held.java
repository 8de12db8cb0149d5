package dev.aio4j.sync;

/**
 * A lock or semaphore permit held by a blocking-style body, released by {@link #close()}: what
 * {@link AsyncLock#lock()} and {@link AsyncSemaphore#acquire()} return, for try-with-resources
 * (asyncio's {@code async with lock:}).
 *
 * <pre>{@code
 * try (Held held = lock.lock()) {
 *     update(shared);
 * }
 * }</pre>
 *
 * <p>(javac's {@code -Xlint:try} warns about a resource the body never names; {@link
 * AsyncLock#withLock} avoids the variable altogether.)
 *
 * <p>Thread-safe; it may be closed from any thread, like asyncio's {@code release()}: neither a
 * lock nor a semaphore of aio4j has an owner.
 */
public interface Held extends AutoCloseable {

    /**
     * Releases what this handle holds (asyncio's {@code release()}), the first time it is called;
     * later calls do nothing, so that a handle never releases a lock that someone else has taken
     * since.
     */
    @Override
    void close();
}
