package dev.aio4j;

import org.jspecify.annotations.Nullable;

/**
 * A task without a body, completed by hand: asyncio's {@code Future} from
 * {@code loop.create_future()}. Made by {@link Loop#createPromise()}.
 *
 * <p>Cancelling a promise completes it at once (it has no body to wait for). Completing it wakes
 * its awaiters and schedules its done callbacks on the loop. Safe to complete from any thread;
 * the first completion wins and the others return {@code false}.
 *
 * @param <T> the type of the result
 */
public interface Promise<T extends @Nullable Object> extends Task<T> {

    /**
     * Completes the promise with a result (asyncio's {@code set_result}). It never waits and throws
     * nothing: a promise already done (cancelled included) makes it return {@code false}, where
     * asyncio raises {@code InvalidStateError}.
     *
     * @param value the result
     * @return {@code true} if this call completed it, {@code false} if it was already done
     */
    boolean complete(T value);

    /**
     * Completes the promise with an exception (asyncio's {@code set_exception}); a
     * {@link java.util.concurrent.CancellationException} cancels it instead. It never waits; a
     * promise already done makes it return {@code false}, where asyncio raises
     * {@code InvalidStateError}.
     *
     * @param exception the exception, delivered to awaiters by the rule of
     *     <a href="Task.html#exceptions">Task</a>
     * @return {@code true} if this call completed it, {@code false} if it was already done
     * @throws NullPointerException if {@code exception} is null
     */
    boolean fail(Throwable exception);
}
