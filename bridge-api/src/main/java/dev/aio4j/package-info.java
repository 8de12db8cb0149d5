/**
 * Python's asyncio for Java: {@link dev.aio4j.Async} (the entry point), {@link dev.aio4j.Loop},
 * {@link dev.aio4j.Task}, {@link dev.aio4j.TaskGroup} and the combinators.
 *
 * <p>Threading: every type here is safe to use from any thread. A loop runs its callbacks and
 * non-blocking bodies on one thread; blocking-style bodies run on their own (virtual) threads and
 * may call the blocking methods, which refuse to run on the loop's thread.
 */
@NullMarked
package dev.aio4j;

import org.jspecify.annotations.NullMarked;
