package dev.aio4j.stream;

import org.jspecify.annotations.Nullable;

/**
 * The body of a blocking-style generator ({@link AsyncIterable#generate(Generator)}): asyncio's
 * {@code async def} with {@code yield}, run on a thread of its own.
 *
 * @param <T> the type of the elements
 */
@FunctionalInterface
public interface Generator<T extends @Nullable Object> {
    /**
     * Produces the elements by calling {@link Emitter#emit} and returns at the end (the body of
     * asyncio's async generator). Its cancellation is that of {@link Emitter#emit}; it runs on its
     * own thread, the generator's task's.
     *
     * @param emitter where the elements go
     * @throws Exception whatever the body throws: the consumer gets it after the elements emitted
     *     before it, as the same instance (a checked one by the rule of {@link dev.aio4j.Task})
     */
    void generate(Emitter<T> emitter) throws Exception;
}
