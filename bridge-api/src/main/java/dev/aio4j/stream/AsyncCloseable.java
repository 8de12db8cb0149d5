package dev.aio4j.stream;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A resource whose closing is asynchronous: the {@code __aexit__} half of asyncio's
 * {@code async with}, and of an async generator's {@code aclose()}.
 *
 * <p>Not sealed: implement it for your own resources.
 */
public interface AsyncCloseable {
    /**
     * Starts closing the resource and returns a stage that completes when it is closed
     * (asyncio's {@code aclose()}). Calling it again returns a stage for the same closing, or a
     * completed one.
     *
     * <p><b>Cancellation:</b> cancelling the returned stage need not stop the closing.
     *
     * <p><b>Exceptions and threading:</b> set by each implementation; a failure to close should be
     * reported through the stage rather than thrown.
     *
     * @return a stage that completes when the resource is closed, exceptionally if closing failed
     */
    CompletionStage<@Nullable Void> closeAsync();
}
