/**
 * {@code async for} and {@code async with}: {@link dev.aio4j.stream.AsyncIterable} (with its
 * consumers, operators, generators and {@code Flow.Publisher} conversions),
 * {@link dev.aio4j.stream.AsyncIterator}, {@link dev.aio4j.stream.AsyncCloseable},
 * {@link dev.aio4j.stream.AsyncResource} and {@link dev.aio4j.stream.AsyncExitStack}.
 *
 * <p>Threading: an iterator serves one consumer at a time; the waiting is done by the stages it
 * returns, so no thread is held between elements, except by the blocking forms
 * ({@link dev.aio4j.stream.BlockingIterable}, {@link dev.aio4j.stream.Emitter#emit},
 * {@link dev.aio4j.stream.AsyncResource#close()}), which park the calling thread and refuse a
 * loop's thread.
 */
@NullMarked
package dev.aio4j.stream;

import org.jspecify.annotations.NullMarked;
