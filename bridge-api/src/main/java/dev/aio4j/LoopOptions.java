package dev.aio4j;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Loop} is made: which threads run it, and its debug mode. Immutable, and so safe to
 * share between threads; no method of it waits or has anything to cancel. Start from
 * {@link #defaults()} and change what you need:
 *
 * <pre>{@code
 * Async.run(LoopOptions.defaults().withDebug(true), loop -> ...);
 * }</pre>
 *
 * @param threading which threads run the loop's callbacks and non-blocking bodies
 * @param debug asyncio's debug mode: log a warning (through {@link System.Logger}, logger
 *     {@code dev.aio4j}) for every callback or task step that runs longer than
 *     {@code slowCallbackThreshold}, and give cancellations a stack trace
 * @param slowCallbackThreshold in debug mode, how long a callback may run before it is reported
 *     (asyncio's {@code slow_callback_duration}, 100 ms by default)
 */
public record LoopOptions(Threading threading, boolean debug, Duration slowCallbackThreshold) {

    /** Which threads run a loop. */
    public enum Threading {
        /**
         * One thread, the one that runs the loop ({@link Loop#runUntilComplete},
         * {@link Loop#runForever}, {@link Async#run}): callbacks run one at a time in FIFO order,
         * as in asyncio. The default.
         */
        SINGLE_THREAD,
        /**
         * kotlinx's {@code Dispatchers.Default}, a pool of one thread per core: more throughput
         * for CPU-heavy non-blocking bodies, at the cost of asyncio's guarantees. Callbacks may
         * run in parallel and {@code callSoon} order is not kept; the calling thread of
         * {@code runUntilComplete} only waits. As on one thread, they run only during a run of the
         * loop (what is scheduled while no thread runs it waits for the next run), and a run ends
         * only once the callbacks it started have returned: when {@code runUntilComplete},
         * {@code runForever} or {@link Loop#close()} returns, none runs. A callback must not block
         * waiting for the loop (a timer, another callback): it would keep the run from ending, as
         * on one thread it blocks the loop. This is uvloop's place in this world.
         */
        DEFAULT_DISPATCHER
    }

    /**
     * Checks the options.
     *
     * @param threading which threads run the loop
     * @param debug whether debug mode is on
     * @param slowCallbackThreshold the debug-mode threshold
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code slowCallbackThreshold} is negative
     */
    public LoopOptions {
        Objects.requireNonNull(threading, "threading (LoopOptions)");
        Objects.requireNonNull(slowCallbackThreshold, "slowCallbackThreshold (LoopOptions)");
        if (slowCallbackThreshold.isNegative()) {
            throw new IllegalArgumentException("slowCallbackThreshold must not be negative: " + slowCallbackThreshold);
        }
    }

    /**
     * {@return single-threaded, debug off, 100 ms slow-callback threshold} What
     * {@code asyncio.new_event_loop()} gives. Throws nothing.
     */
    public static LoopOptions defaults() {
        return new LoopOptions(Threading.SINGLE_THREAD, false, Duration.ofMillis(100));
    }

    /**
     * Returns these options with other threading (asyncio: no equivalent; uvloop's event loop
     * policy comes closest).
     *
     * @param threading which threads run the loop
     * @return the changed options
     * @throws NullPointerException if {@code threading} is null
     */
    public LoopOptions withThreading(Threading threading) {
        return new LoopOptions(threading, debug, slowCallbackThreshold);
    }

    /**
     * Returns these options with debug mode on or off (asyncio's {@code loop.set_debug()}). Throws
     * nothing.
     *
     * @param debug whether debug mode is on
     * @return the changed options
     */
    public LoopOptions withDebug(boolean debug) {
        return new LoopOptions(threading, debug, slowCallbackThreshold);
    }

    /**
     * Returns these options with another slow-callback threshold (asyncio's
     * {@code loop.slow_callback_duration}).
     *
     * @param threshold how long a callback may run in debug mode before it is reported
     * @return the changed options
     * @throws NullPointerException if {@code threshold} is null
     * @throws IllegalArgumentException if {@code threshold} is negative
     */
    public LoopOptions withSlowCallbackThreshold(Duration threshold) {
        Objects.requireNonNull(threshold, "threshold (LoopOptions.withSlowCallbackThreshold)");
        if (threshold.isNegative()) {
            throw new IllegalArgumentException("threshold must not be negative: " + threshold);
        }
        return new LoopOptions(threading, debug, threshold);
    }
}
