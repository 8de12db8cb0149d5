package dev.aio4j.stream;

import dev.aio4j.Task;
import dev.aio4j.ThrowingConsumer;
import dev.aio4j.ThrowingFunction;
import dev.aio4j.ThrowingPredicate;
import dev.aio4j.spi.AsyncProvider;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A source of {@link AsyncIterator}s: the object of asyncio's {@code async for}.
 *
 * <p>Not sealed: implement {@link #asyncIterator()} for your own sources. The default methods
 * consume ({@link #forEach}, {@link #forEachAsync}, {@link #toList}, {@link #blocking()},
 * {@link #stream()}), transform ({@link #map}, {@link #filter}, {@link #take}) and convert
 * ({@link #toPublisher()}); the static ones make sources ({@link #generate},
 * {@link #generateAsync}, {@link #fromPublisher}).
 *
 * <h2 id="closing">Closing</h2>
 * Every consumer here closes the iterator however its walk ends: at the end, when the source or
 * the consumer fails, when it is cancelled, and when it stops early ({@link #take}, leaving the
 * {@link #blocking()} view). It closes it once, and waits for the closing (asyncio's
 * {@code aclose()}) before it completes; a failure to close is added as suppressed to the walk's
 * own failure, or is the failure if there was none. When the walk ends by a cancellation, a
 * failure to close (a producer that failed as it was closed) is reported to the loop's exception
 * handler as well: a cancelled task's outcome is its cancellation, which nobody need look into.
 *
 * @param <T> the type of the elements
 */
@FunctionalInterface
public interface AsyncIterable<T extends @Nullable Object> {

    /**
     * {@return a new iterator over the elements} (asyncio's {@code __aiter__}). Cancellation,
     * exceptions and threading are those of the iterator's methods and of the source.
     */
    AsyncIterator<T> asyncIterator();

    // ---------------------------------------------------------------------------- sources

    /**
     * Makes an async generator whose body is blocking-style (asyncio's {@code async def} with
     * {@code yield}): each {@link #asyncIterator()} starts {@code body} as a task of its own, on its
     * own virtual thread, when the consumer first waits for an element; {@link Emitter#emit} parks
     * that thread while the buffer of {@code 256} elements is full. See
     * {@link #generate(int, Generator)}.
     *
     * @param body the producer
     * @param <T> the type of the elements
     * @return the generator
     * @throws NullPointerException if {@code body} is null
     */
    static <T extends @Nullable Object> AsyncIterable<T> generate(Generator<T> body) {
        return generate(256, body);
    }

    /**
     * Makes an async generator whose body is blocking-style, with a buffer of {@code buffer}
     * elements (asyncio's generators buffer none: {@code buffer} 1 comes closest).
     *
     * <p><b>Cancellation:</b> closing the iterator (which every consumer here does when it stops
     * early, fails or is cancelled) makes {@link Emitter#emit} throw
     * {@link java.util.concurrent.CancellationException} (the one parked, or the next), and cancels
     * the body's task when the body is between two emits, so that a wait it is in ends (its thread
     * is interrupted); the body gets one cancellation either way, and its {@code finally} blocks may
     * make blocking calls. The close completes when the body has returned, so its {@code finally}
     * blocks have run.
     *
     * <p><b>Exceptions:</b> what the body throws reaches the consumer after the elements emitted
     * before it, as the same instance (a checked one by the rule of {@link Task}); what it throws
     * while being closed (other than the cancellation) fails the close. A failure the body ran into
     * ahead of a consumer that then stopped early (it closed the iterator before reading up to the
     * failure, which the buffer held) is never dropped: the close reports it to the loop's
     * exception handler ({@link dev.aio4j.Loop#callExceptionHandler}), with the body's task; a
     * {@link java.util.concurrent.CancellationException} is not reported.
     *
     * <p><b>Threading:</b> the body's task belongs to the loop current when the walk starts (the
     * consumer's). Thread-safe: each iterator has its own producer.
     *
     * @param buffer how many elements may wait in the generator's buffer, at least 1 ({@code forEach},
     *     {@code forEachAsync}, {@code toList}, {@code toPublisher} and the blocking view take up to
     *     64 of them out at a time, so the producer may run up to {@code buffer + min(buffer, 64)}
     *     elements ahead of the consumer's action), at most 1,048,576: each walk allocates it as an
     *     array when it begins, as {@code ArrayBlockingQueue} does
     * @param body the producer
     * @param <T> the type of the elements
     * @return the generator
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalArgumentException if {@code buffer} is less than 1 or more than 1,048,576
     */
    static <T extends @Nullable Object> AsyncIterable<T> generate(int buffer, Generator<T> body) {
        Objects.requireNonNull(body, "body");
        requirePositive(buffer);
        return AsyncProvider.get().generate(buffer, body);
    }

    /**
     * Makes an async generator whose body is non-blocking, with a buffer of {@code 256} elements:
     * see {@link #generateAsync(int, ThrowingFunction)}.
     *
     * @param body the producer: emits with {@link AsyncEmitter#emitAsync} and returns a stage that
     *     completes at its end
     * @param <T> the type of the elements
     * @return the generator
     * @throws NullPointerException if {@code body} is null
     */
    static <T extends @Nullable Object> AsyncIterable<T> generateAsync(
            ThrowingFunction<? super AsyncEmitter<T>, ? extends CompletionStage<?>> body) {
        return generateAsync(256, body);
    }

    /**
     * Makes an async generator whose body is non-blocking (asyncio's async generator): each
     * {@link #asyncIterator()} calls {@code body} on the loop, as a task of its own, when the
     * consumer first waits for an element; the generator ends when the stage {@code body}
     * returned completes. {@link AsyncEmitter#emitAsync} returns a task, done at once while the
     * buffer has room.
     *
     * <p><b>Cancellation:</b> closing the iterator ends the body. A body waiting at an
     * {@code emitAsync}, or running between two (the close then decides in a step of the loop),
     * gets the {@link java.util.concurrent.CancellationException} (asyncio's {@code GeneratorExit})
     * from that task or the next, and the close completes when the stage {@code body} returned
     * has completed, its clean-up done. A body waiting on something else has that stage cancelled,
     * as a task's: a chain of tasks ({@code emitAsync(x).thenCompose(v -> Async.sleepAsync(d))...})
     * is cancelled where it waits; a plain {@code CompletableFuture} chain, which a cancellation
     * cannot reach, is abandoned, and the close does not wait for it.
     *
     * <p><b>Exceptions:</b> as {@link #generate(int, Generator)}: what {@code body} throws (a checked
     * exception included) or its stage's failure reaches the consumer after the elements emitted
     * before it, as the same instance; a failure ahead of a consumer that stopped early is reported
     * to the loop's exception handler at the close, as there.
     *
     * <p><b>Threading:</b> {@code body} is called on the loop current when the walk starts.
     *
     * @param buffer how many elements may wait in the generator's buffer, at least 1 ({@code forEach},
     *     {@code forEachAsync}, {@code toList}, {@code toPublisher} and the blocking view take up to
     *     64 of them out at a time, so the producer may run up to {@code buffer + min(buffer, 64)}
     *     elements ahead of the consumer's action), at most 1,048,576: each walk allocates it as an
     *     array when it begins, as {@code ArrayBlockingQueue} does
     * @param body the producer
     * @param <T> the type of the elements
     * @return the generator
     * @throws NullPointerException if {@code body} is null
     * @throws IllegalArgumentException if {@code buffer} is less than 1 or more than 1,048,576
     */
    static <T extends @Nullable Object> AsyncIterable<T> generateAsync(
            int buffer, ThrowingFunction<? super AsyncEmitter<T>, ? extends CompletionStage<?>> body) {
        Objects.requireNonNull(body, "body");
        requirePositive(buffer);
        return AsyncProvider.get().generateAsync(buffer, body);
    }

    /**
     * Sees a {@link Flow.Publisher} as an {@code AsyncIterable}: each {@link #asyncIterator()}
     * subscribes, requests elements in batches as the consumer takes them (kotlinx's
     * {@code Publisher.asFlow()}), and cancels the subscription when it is closed. asyncio has no
     * equivalent: it has no Reactive Streams.
     *
     * <p><b>Cancellation:</b> closing the iterator cancels the subscription.
     *
     * <p><b>Exceptions:</b> {@code onError}'s exception reaches the consumer as the same instance,
     * after the elements received before it.
     *
     * <p><b>Threading:</b> the subscription is made on the loop current when the walk starts.
     *
     * @param publisher the publisher
     * @param <T> the type of the elements
     * @return the iterable
     * @throws NullPointerException if {@code publisher} is null
     */
    static <T> AsyncIterable<T> fromPublisher(Flow.Publisher<T> publisher) {
        Objects.requireNonNull(publisher, "publisher");
        return AsyncProvider.get().fromPublisher(publisher);
    }

    // -------------------------------------------------------------------------- consumers

    /**
     * Runs {@code action} on every element, in order, without holding a thread while it waits
     * for the next one (asyncio's {@code async for x in it: action(x)}); the iterator is closed at
     * the end, on failure and on cancellation.
     *
     * <p><b>Cancellation:</b> cancelling the returned task abandons the wait for the next element
     * and closes the iterator; the task is cancelled when the closing has finished.
     *
     * <p><b>Exceptions:</b> the task fails with what the source or {@code action} threw (a checked
     * exception included), by the rule of {@link Task}; a failure to close is added as suppressed, or fails the task if nothing
     * else did.
     *
     * <p><b>Threading:</b> {@code action} runs on the current loop's thread, one element at a time.
     *
     * @param action what to do with each element
     * @return a task that completes when every element has been handled and the iterator closed
     * @throws NullPointerException if {@code action} is null
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    default Task<@Nullable Void> forEach(ThrowingConsumer<? super T> action) {
        Objects.requireNonNull(action, "action");
        return AsyncProvider.get().forEach(this, action);
    }

    /**
     * Runs a non-blocking {@code action} on every element, in order, waiting for the stage it
     * returns before taking the next element (asyncio's {@code async for x in it: await action(x)}).
     *
     * <p><b>Cancellation:</b> cancelling the returned task cancels the pending stage (or the wait
     * for the next element) and closes the iterator; the task is cancelled when the closing has
     * finished.
     *
     * <p><b>Exceptions:</b> the task fails with what the source, {@code action} (a checked
     * exception included) or its stage failed with, by the rule of {@link Task}; see <a href="#closing">Closing</a>.
     *
     * <p><b>Threading:</b> {@code action} is called on the current loop's thread, one element at
     * a time.
     *
     * @param action returns the stage of the work on each element
     * @return a task that completes when every element has been handled and the iterator closed
     * @throws NullPointerException if {@code action} is null
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    default Task<@Nullable Void> forEachAsync(ThrowingFunction<? super T, ? extends CompletionStage<?>> action) {
        Objects.requireNonNull(action, "action");
        return AsyncProvider.get().forEachAsync(this, action);
    }

    /**
     * Collects every element into a list (asyncio's {@code [x async for x in it]}).
     *
     * <p><b>Cancellation:</b> as {@link #forEach}. <b>Exceptions:</b> as {@link #forEach}.
     *
     * @return a task of the elements in order (a mutable {@link java.util.ArrayList})
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    default Task<List<T>> toList() {
        return AsyncProvider.get().toList(this);
    }

    /**
     * Returns one walk over the elements for a blocking-style body: a {@link BlockingIterable}
     * whose {@code hasNext()} parks, and whose {@code close()} closes the source. Nothing starts
     * until the walk's first {@code hasNext()}.
     *
     * <p><b>Buffering:</b> over a generator, the view takes up to 64 elements from the
     * generator's buffer at a time, so the producer runs at most its buffer plus 64 elements
     * ahead of the body. When the buffer is empty, {@code hasNext()} spins briefly (a bounded
     * number of {@link Thread#onSpinWait()}s, microseconds) before it parks, since a producer on
     * another thread usually delivers within that time; any other source is read one element at
     * a time. Over a Kotlin {@code Flow} read by a blocking-style task, the flow runs on the
     * reading thread, one element per {@code hasNext()}, nothing ahead (see
     * {@code dev.aio4j.kotlin.Flows.asAsyncIterable}); that walk is read and closed by that
     * thread only.
     *
     * <p>asyncio's {@code async for} written as a plain {@code for}, which asyncio has no form of.
     * This method starts nothing and never waits; the view's cancellation, exceptions and threading
     * are those of {@link BlockingIterable}.
     *
     * @return the blocking view
     */
    default BlockingIterable<T> blocking() {
        return AsyncProvider.get().blocking(this);
    }

    /**
     * {@return one walk over the elements as a sequential {@link Stream}}, for a blocking-style
     * body: {@code blocking().stream()}. Closing the stream closes the source; use it in
     * try-with-resources unless the stream is consumed to its end. asyncio has no equivalent. The
     * stream's cancellation, exceptions and threading are those of {@link BlockingIterable}.
     */
    default Stream<T> stream() {
        return blocking().stream();
    }

    // -------------------------------------------------------------------------- operators

    /**
     * {@return the elements transformed by {@code mapper}}, lazily; closing its iterator closes
     * this one's. What {@code mapper} throws (a checked exception included) fails the walk as the
     * same instance, through the {@code hasNext()} stage, and the source is closed. asyncio's
     * {@code (mapper(x) async for x in it)}.
     *
     * <p><b>Cancellation:</b> closing its iterator (as every consumer here does when it is
     * cancelled) closes this one's. <b>Threading:</b> {@code mapper} runs in the consumer's
     * {@code hasNext()}, or where this iterable's {@code hasNext()} stage completes when it had to
     * wait (the loop's thread, for aio4j's sources).
     *
     * @param mapper the function, called when the consumer's {@code hasNext()} takes an element
     * @param <R> the type of the results
     * @throws NullPointerException if {@code mapper} is null
     */
    default <R extends @Nullable Object> AsyncIterable<R> map(ThrowingFunction<? super T, ? extends R> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return AsyncProvider.get().map(this, mapper);
    }

    /**
     * {@return the elements that match {@code predicate}}, lazily; closing its iterator closes
     * this one's. What {@code predicate} throws (a checked exception included) fails the walk as
     * the same instance, through the {@code hasNext()} stage, and the source is closed. asyncio's
     * {@code (x async for x in it if predicate(x))}.
     *
     * <p><b>Cancellation</b> and <b>threading:</b> as {@link #map}, {@code predicate} in the place
     * of its {@code mapper}.
     *
     * @param predicate the test, called by the consumer's {@code hasNext()}
     * @throws NullPointerException if {@code predicate} is null
     */
    default AsyncIterable<T> filter(ThrowingPredicate<? super T> predicate) {
        Objects.requireNonNull(predicate, "predicate");
        return AsyncProvider.get().filter(this, predicate);
    }

    /**
     * {@return the first {@code n} elements}: once the {@code n}th has been taken, the next
     * {@code hasNext()} closes the source (an endless generator stops there) and completes with
     * {@code false} when the closing has finished, or fails with the closing's failure. asyncio has
     * no built-in equivalent ({@code itertools.islice} is for plain iterators).
     *
     * <p><b>Cancellation:</b> closing its iterator closes this one's, once, whether {@code take}
     * closed it already or not. <b>Threading:</b> as this iterable's.
     *
     * @param n how many, zero or more (zero closes the source without starting it)
     * @throws IllegalArgumentException if {@code n} is negative
     */
    default AsyncIterable<T> take(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        return AsyncProvider.get().take(this, n);
    }

    // ------------------------------------------------------------------------- conversion

    /**
     * Sees this iterable as a {@link Flow.Publisher} (kotlinx's {@code Flow.asPublisher()}): each
     * subscriber gets its own walk, started when it first requests, delivered as it requests
     * (Reactive Streams' backpressure), and closed when it cancels its subscription. The walk reads
     * the source one element ahead of the demand (never sending it before it is asked for), so that
     * the end or a failure after the elements asked for is signalled at once, without another
     * request. The publisher passes the Reactive Streams TCK.
     *
     * <p><b>Cancellation:</b> {@code Subscription.cancel()} closes the walk's iterator, and the
     * subscriber gets no signal after it (a later {@code request} is a no-op, even once the loop has
     * closed: Reactive Streams §3.6, §1.8), except, for a cancel made on another thread, the one
     * signal whose delivery had begun as it ran; closing the
     * loop cancels every walk still running, wherever it waits (the subscriber then gets
     * {@code onError} with a {@code CancellationException}, after the iterator's close). A
     * subscription whose first request comes after the loop has closed, or that is made then, gets
     * {@code onError} with an {@link IllegalStateException}; {@code subscribe} and {@code request}
     * throw nothing of their own (an exception the subscriber's {@code onSubscribe} throws, a
     * breach of §2.13, comes out of {@code subscribe}).
     *
     * <p><b>Exceptions:</b> the source's failure arrives in {@code onError}, as the same instance.
     *
     * <p><b>Threading:</b> the walks run on the loop current at this call, whose thread calls the
     * subscriber's {@code onNext}, {@code onError} and {@code onComplete}; elements must not be
     * null. {@code subscribe} may be called from any thread.
     *
     * @return the publisher
     * @throws IllegalStateException if the calling thread belongs to no loop
     */
    default Flow.Publisher<T> toPublisher() {
        return AsyncProvider.get().toPublisher(this);
    }

    private static void requirePositive(int buffer) {
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be at least 1: " + buffer);
        }
        int max = 1 << 20; // an array made when a walk begins: larger ones failed every walk (OutOfMemoryError)
        if (buffer > max) {
            throw new IllegalArgumentException("buffer must be at most " + max + " (it is allocated when a walk begins): " + buffer);
        }
    }
}
