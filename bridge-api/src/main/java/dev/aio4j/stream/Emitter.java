package dev.aio4j.stream;

import org.jspecify.annotations.Nullable;

/**
 * The producer's side of a blocking-style generator ({@link AsyncIterable#generate(Generator)}):
 * asyncio's {@code yield} inside an async generator, for a body that runs on its own thread.
 *
 * <p>Not thread-safe: only the generator's body (or a thread it hands the emitter to, one at a
 * time) may call it.
 *
 * @param <T> the type of the elements
 */
public interface Emitter<T extends @Nullable Object> {

    /**
     * Hands {@code element} to the consumer, parking the calling thread while the generator's buffer
     * is full (asyncio's {@code yield element}).
     *
     * <p><b>Cancellation:</b> when the consumer closes the generator (it stopped early, failed or
     * was cancelled), the {@code emit} parked, or else the next one, throws
     * {@link java.util.concurrent.CancellationException}, asyncio's {@code GeneratorExit}; a body
     * found between two emits has its task cancelled as well (its thread is interrupted), so that
     * a wait it is in ends with that cancellation. The body gets one cancellation either way: when
     * {@code emit} throws, no interrupt is left pending, and its {@code finally} blocks may make
     * blocking calls; a cancel of the body's task after it has been told (the loop's close cancels
     * every task) does not interrupt it again. The body should let it propagate; its {@code finally}
     * blocks run before the consumer's close completes.
     *
     * <p><b>Exceptions:</b> a body that emits again after {@code emit} has thrown that
     * cancellation gets {@link IllegalStateException} (asyncio: "async generator ignored
     * GeneratorExit"), which then fails the consumer's close, even if the body catches it and
     * returns (asyncio's {@code aclose()} raises it whatever the generator does next).
     *
     * <p><b>Threading:</b> actions in the producer before {@code emit} happen-before the consumer
     * receiving the element.
     *
     * @param element the element, which may be null if {@code T} allows it
     * @throws java.util.concurrent.CancellationException if the consumer closed the generator
     * @throws IllegalStateException if called again after that cancellation
     */
    void emit(T element);
}
