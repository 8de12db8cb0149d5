/**
 * {@code async for} and {@code async with}: {@link dev.aio4j.stream.AsyncIterable},
 * {@link dev.aio4j.stream.AsyncIterator} and {@link dev.aio4j.stream.AsyncCloseable}.
 *
 * <p>Threading: an iterator serves one consumer at a time; the waiting is done by the stages it
 * returns, so no thread is held between elements.
 */
@NullMarked
package dev.aio4j.stream;

import org.jspecify.annotations.NullMarked;
