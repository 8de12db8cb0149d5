package dev.aio4j.stream;

import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The blocking view of an {@link AsyncIterable} ({@link AsyncIterable#blocking()}): one walk over
 * its elements for a blocking-style body, whose {@code hasNext()} parks the calling thread while
 * the next element is not there yet. asyncio's {@code async for} written as a plain {@code for}:
 *
 * <pre>{@code
 * try (BlockingIterable<String> lines = reader.lines().blocking()) {
 *     for (String line : lines) {
 *         if (line.isEmpty()) break;      // close() closes the source (asyncio's aclose)
 *     }
 * }
 * }</pre>
 *
 * <p>Single use: {@link #iterator()} and {@link #stream()} return the one walk, and the source is
 * closed when the walk reaches its end, when the source fails, when the waiting thread is
 * interrupted (the consuming task was cancelled), or by {@link #close()}, whichever comes first;
 * it is closed once. A walk that a blocking-style task's body began and left open (a loop left by
 * {@code break} or by an exception, without try-with-resources) is closed when that body ends, on
 * its thread, before the task completes (asyncio closes an abandoned async generator when it is
 * collected); what that closing throws goes to the loop's exception handler. Prefer
 * try-with-resources all the same: it closes the source where the walk ends.
 *
 * <p><b>Cancellation:</b> an interrupt while {@code hasNext()} waits closes the source, waits for
 * the closing, and throws {@link java.util.concurrent.CancellationException}; a failure to close
 * (what the producer's {@code finally} threw) is added to it as suppressed, and reported to the
 * loop's exception handler as well (nobody need look into a cancellation).
 *
 * <p><b>Exceptions:</b> {@code hasNext()} throws what the source failed with, by the rule of
 * {@link dev.aio4j.Task} (a failure to close it is added as suppressed).
 *
 * <p><b>Threading:</b> one consumer thread at a time, not a loop's thread
 * ({@link IllegalStateException} there); {@link #close()} may be called from any thread, but for
 * one walk: a Kotlin {@code Flow}'s view read by a blocking-style task runs the flow on that task's
 * thread, and another thread's {@code hasNext()} that would advance the flow, or its
 * {@code close()}, throws {@link IllegalStateException} and ends nothing (one that answers from
 * the element the owner already fetched does not).
 *
 * @param <T> the type of the elements
 */
public interface BlockingIterable<T extends @Nullable Object> extends Iterable<T>, AutoCloseable {

    /**
     * Closes the source unless it is closed already, and waits until it is (asyncio's
     * {@code aclose()}): a generator's body gets its cancellation and its {@code finally} blocks
     * run before this returns. Calling it again does nothing.
     *
     * <p><b>Cancellation:</b> an interrupt does not cut the closing short; the flag is set again
     * when it is done.
     *
     * @throws RuntimeException what closing failed with, by the rule of {@link dev.aio4j.Task}
     */
    @Override
    void close();

    /**
     * {@return the walk as a sequential {@link Stream}} whose {@code close()} closes the source;
     * use it in try-with-resources when the stream may not be consumed to its end. asyncio has no
     * equivalent. The stream's cancellation, exceptions and threading are those of this view (see
     * above).
     */
    Stream<T> stream();
}
