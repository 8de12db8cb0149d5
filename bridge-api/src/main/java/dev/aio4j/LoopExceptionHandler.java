package dev.aio4j;

/**
 * Receives the failures that no awaiter receives: asyncio's loop exception handler. Set with
 * {@link Loop#setExceptionHandler}; the default logs through {@link System.Logger} at
 * {@code ERROR} under the name {@code dev.aio4j}.
 *
 * <p>Called on the loop's thread (under {@code DEFAULT_DISPATCHER} threading, on one of the threads
 * running the loop's steps); when {@link Loop#callExceptionHandler} is called while no thread runs
 * the loop, on the caller's thread. What it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface LoopExceptionHandler {
    /**
     * Handles one failure (asyncio's exception handler, called as {@code handler(loop, context)}).
     * What it throws is logged and otherwise ignored.
     *
     * @param loop the loop that reports it
     * @param context what happened
     */
    void handle(Loop loop, ExceptionContext context);
}
