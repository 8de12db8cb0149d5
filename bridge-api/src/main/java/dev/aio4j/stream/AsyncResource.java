package dev.aio4j.stream;

import dev.aio4j.spi.AsyncProvider;
import java.util.Objects;

/**
 * An {@link AsyncCloseable} that blocking-style bodies can also close with try-with-resources:
 * {@link #close()} starts {@link #closeAsync()} and waits for it (asyncio's {@code async with}
 * written as Java's {@code try}).
 *
 * <pre>{@code
 * try (Connection c = Connection.open(port)) {   // Connection implements AsyncResource
 *     c.send("hello");
 * }                                               // closeAsync(), waited for
 * }</pre>
 *
 * <p>Not sealed: implement {@link #closeAsync()}.
 */
public interface AsyncResource extends AsyncCloseable, AutoCloseable {

    /**
     * Closes the resource and waits for it: calls {@link #closeAsync()} and parks the calling
     * thread until its stage completes. On a loop's thread it refuses before anything is closed.
     *
     * <p><b>Cancellation:</b> an interrupt (the calling task being cancelled) does not cut the
     * closing short: the wait goes on, and the interrupt flag is set again when it is done.
     *
     * <p><b>Exceptions:</b> what closing failed with, by the rule of {@link dev.aio4j.Task}
     * (a {@code closeAsync()} that returns null fails with {@link NullPointerException}); in
     * try-with-resources it is suppressed by the body's exception.
     *
     * <p><b>Threading:</b> any thread but a loop's; asyncio has no blocking form of
     * {@code async with}.
     *
     * @throws IllegalStateException if called on a loop's thread, where it would block the loop;
     *     {@link #closeAsync()} is not called then
     */
    @Override
    default void close() {
        AsyncProvider.get().closeAndWait(this);
    }

    /**
     * {@return {@code resource} as an {@code AsyncResource}} whose {@link #closeAsync()} is
     * {@code resource}'s (itself if it is one already). asyncio has no equivalent (an object with
     * {@code __aexit__} serves {@code async with} as it is). It never waits; the view is as
     * thread-safe as {@code resource}.
     *
     * @param resource the resource
     * @throws NullPointerException if {@code resource} is null
     */
    static AsyncResource of(AsyncCloseable resource) {
        Objects.requireNonNull(resource, "resource");
        if (resource instanceof AsyncResource r) {
            return r;
        }
        return resource::closeAsync;
    }
}
