package dev.aio4j.stream;

import dev.aio4j.Task;
import dev.aio4j.spi.AsyncProvider;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A scope that holds several async resources and closes them in reverse order: asyncio's
 * {@code contextlib.AsyncExitStack}, for a number of resources known only at run time.
 *
 * <pre>{@code
 * Async.using(AsyncExitStack::create, stack -> {
 *     for (int port : ports) stack.enter(Connection.open(port));
 *     return talkToAll(stack);
 * });                                     // every connection closed, the last opened first
 * }</pre>
 *
 * <p>Closing ({@link #closeAsync()}, or {@link #close()} which waits for it) closes each
 * resource in the reverse order of {@link #enter}, one after the other, each after the previous
 * one's close has completed, whether it failed or not. The exception rules are
 * try-with-resources': the first close that fails gives the exception, the later ones are added to
 * it as suppressed. Closing twice closes once: a later call returns another stage of the same
 * closing, as {@link AsyncCloseable#closeAsync()} says.
 *
 * <p><b>Cancellation:</b> a closing that has started runs to its end; cancelling a stage of it
 * does not cut it short. Such a stage is a {@code CompletableFuture}, not a task, under
 * {@code CompletableFuture}'s rule: in a
 * cancelled non-blocking body, {@code closeAsync().whenComplete(f)} is done at once and skips
 * {@code f}, and a close failure then reaches no one, where a blocking body's {@code close()}
 * waits for the closing and throws its failure.
 *
 * <p><b>Threading:</b> thread-safe. The first close is started on the caller's thread; each
 * next one, when the previous one completes on another thread, on the loop that was current at
 * {@link #closeAsync()} (as asyncio runs every exit on its loop), or on the completing thread when
 * the stack was closed outside any loop or the loop has closed meanwhile.
 */
public interface AsyncExitStack extends AsyncResource {

    /**
     * {@return a new, empty exit stack} (asyncio's {@code contextlib.AsyncExitStack()}). It never
     * waits.
     *
     * @throws IllegalStateException if no aio4j implementation is on the class path
     */
    static AsyncExitStack create() {
        return AsyncProvider.get().newExitStack();
    }

    /**
     * Pushes {@code resource}, already open, to be closed when the stack closes (asyncio's
     * {@code enter_async_context} for an opened resource, and {@code push_async_callback}:
     * {@code stack.enter(() -> cleanupAsync())}).
     *
     * @param resource the resource
     * @param <R> its type
     * @return {@code resource}
     * @throws NullPointerException if {@code resource} is null
     * @throws IllegalStateException if the stack has started closing (the resource is not closed)
     */
    <R extends AsyncCloseable> R enter(R resource);

    /**
     * Waits for {@code opening} and pushes the resource it completes with (asyncio's
     * {@code await stack.enter_async_context(cm)}).
     *
     * <p><b>Cancellation:</b> cancelling the returned task cancels {@code opening}; a resource
     * that arrives anyway ({@code opening} completes with it) is closed. An {@code opening} that
     * ends cancelled delivers nothing: a resource its function made is lost with the function's
     * result, as a derived stage's is when the cancellation reaches it while the function runs
     * (for example {@code sleepAsync(d).thenApply(v -> open())} cancelled from another thread: a
     * blocking-style body, {@code Async.run}'s own included, or any loop under
     * {@code DEFAULT_DISPATCHER}); asyncio's task drops the result of a coroutine cancelled as it
     * returns, too. A resource made in a step of the loop and pushed with {@link #enter} has no
     * such window.
     *
     * <p><b>Exceptions:</b> the task fails with what {@code opening} failed with; if the stack
     * started closing before the resource arrived, the resource is closed and the task fails with
     * {@link IllegalStateException}.
     *
     * @param opening the stage of the resource
     * @param <R> its type
     * @return a task of the resource, once pushed
     * @throws NullPointerException if {@code opening} is null
     * @throws IllegalStateException if the calling thread belongs to no loop, or its loop is closed
     */
    <R extends AsyncCloseable> Task<R> enterAsync(CompletionStage<? extends R> opening);

    /**
     * Starts closing every pushed resource in reverse order (asyncio's {@code aclose()}). It does
     * not wait; a close that fails is reported through the returned stage. See the class
     * description for its cancellation and threading. A stack found again inside its own closing
     * (entered into itself, or through a cycle of stacks) counts as closed there, and the closing
     * goes on, so that everything is closed once, as asyncio's nested {@code aclose()} unwinds the
     * rest of the stack.
     *
     * @return a stage that completes when all are closed, exceptionally with the first close
     *     failure (the others suppressed)
     */
    @Override
    CompletionStage<@Nullable Void> closeAsync();
}
