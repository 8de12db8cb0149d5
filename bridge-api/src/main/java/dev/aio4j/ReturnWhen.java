package dev.aio4j;

/** When {@link Async#wait} returns: asyncio's {@code return_when} constants. */
public enum ReturnWhen {
    /** As soon as any task is done, or the time is up. */
    FIRST_COMPLETED,
    /** As soon as any task fails (not by cancellation), or all are done, or the time is up. */
    FIRST_EXCEPTION,
    /** When all tasks are done, or the time is up. */
    ALL_COMPLETED
}
