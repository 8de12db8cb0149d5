/**
 * asyncio's synchronisation primitives and queues: {@link dev.aio4j.sync.AsyncLock},
 * {@link dev.aio4j.sync.AsyncEvent}, {@link dev.aio4j.sync.AsyncCondition},
 * {@link dev.aio4j.sync.AsyncSemaphore} and {@link dev.aio4j.sync.AsyncQueue}, each with blocking
 * methods for blocking-style bodies and {@code ...Async} methods that return a
 * {@link dev.aio4j.Task} for non-blocking ones.
 *
 * <p>Threading: every type here is safe to use from any thread, from both body styles and from
 * several loops at once (unlike asyncio's, a primitive is bound to no loop). Blocking methods park
 * the calling thread and refuse to run on a loop's own thread; {@code ...Async} methods never hold
 * a thread and return tasks of the current loop.
 */
@NullMarked
package dev.aio4j.sync;

import org.jspecify.annotations.NullMarked;
