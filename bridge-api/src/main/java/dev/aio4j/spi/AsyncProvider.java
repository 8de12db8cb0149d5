package dev.aio4j.spi;

import dev.aio4j.Done;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Outcome;
import dev.aio4j.ReturnWhen;
import dev.aio4j.Task;
import dev.aio4j.TaskGroup;
import dev.aio4j.ThrowingConsumer;
import dev.aio4j.ThrowingFunction;
import dev.aio4j.ThrowingPredicate;
import dev.aio4j.TimeoutScope;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncExitStack;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncResource;
import dev.aio4j.stream.BlockingIterable;
import dev.aio4j.stream.Generator;
import dev.aio4j.sync.AsyncCondition;
import dev.aio4j.sync.AsyncEvent;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * What an implementation of aio4j provides; {@link dev.aio4j.Async} and the other API types
 * delegate to it. Found with {@link java.util.ServiceLoader} (a {@code provides} clause in a
 * module, or {@code META-INF/services/dev.aio4j.spi.AsyncProvider} on the class path); the one
 * with the highest {@link #priority()} among those whose {@link #apiVersion()} is
 * {@link #API_VERSION} wins. The system property {@value #PROVIDER_PROPERTY} may name the class
 * to use instead. SLF4J 2's provider lookup is the model.
 *
 * <p>Every method has the contract of the API method of the same name; arguments arrive checked
 * (non-null, durations non-negative, lists copied). Implementations must be thread-safe.
 */
public interface AsyncProvider {

    /** The version of this interface; a provider built against another one is skipped. */
    int API_VERSION = 1;

    /** The system property that may name the provider class to use. */
    String PROVIDER_PROPERTY = "dev.aio4j.provider";

    /**
     * Returns the provider in use, looking it up on the first call.
     *
     * @return the provider
     * @throws IllegalStateException if none is found, with a sentence naming the artifact to add
     */
    static AsyncProvider get() {
        return ProviderLookup.provider();
    }

    /** {@return the {@link #API_VERSION} this provider was built against} */
    int apiVersion();

    /** {@return the priority among several providers; the highest wins} */
    int priority();

    /**
     * Implements {@link dev.aio4j.Async#newLoop(LoopOptions)}.
     *
     * @param options how the loop is made
     * @return a new loop
     */
    Loop newLoop(LoopOptions options);

    /**
     * Implements {@link Loop#current()}.
     *
     * @return the current loop
     */
    Loop currentLoop();

    /**
     * Implements {@link dev.aio4j.Async#currentTask()}.
     *
     * @return the current task, or null
     */
    @Nullable Task<?> currentTask();

    /**
     * Implements {@link dev.aio4j.Async#run(LoopOptions, ThrowingFunction)}.
     *
     * @param options how the loop is made
     * @param main the main body
     * @param <T> the result type
     * @return the result
     */
    <T extends @Nullable Object> T run(LoopOptions options, ThrowingFunction<? super Loop, ? extends T> main);

    /**
     * Implements {@link dev.aio4j.Async#runAsync(LoopOptions, ThrowingFunction)}.
     *
     * @param options how the loop is made
     * @param main the main body
     * @param <T> the result type
     * @return the result
     */
    <T extends @Nullable Object> T runAsync(LoopOptions options, ThrowingFunction<? super Loop, ? extends CompletionStage<? extends T>> main);

    /**
     * Implements {@link dev.aio4j.Async#sleep(Duration)}.
     *
     * @param delay how long
     */
    void sleep(Duration delay);

    /**
     * Implements {@link dev.aio4j.Async#sleepAsync(Duration)}.
     *
     * @param delay how long
     * @return the task
     */
    Task<@Nullable Void> sleepAsync(Duration delay);

    /**
     * Implements {@link dev.aio4j.Async#gather(java.util.Collection)}.
     *
     * @param tasks the tasks
     * @param <T> the result type
     * @return the task
     */
    <T extends @Nullable Object> Task<List<T>> gather(List<? extends CompletionStage<? extends T>> tasks);

    /**
     * Implements {@link dev.aio4j.Async#gatherOutcomes(java.util.Collection)}.
     *
     * @param tasks the tasks
     * @param <T> the result type
     * @return the task
     */
    <T extends @Nullable Object> Task<List<Outcome<T>>> gatherOutcomes(List<? extends CompletionStage<? extends T>> tasks);

    /**
     * Implements {@link dev.aio4j.Async#wait(java.util.Collection, ReturnWhen, Duration)}.
     *
     * @param tasks the tasks
     * @param returnWhen when to return
     * @param timeout the timeout, or null for none
     * @param <T> the result type
     * @return the task
     */
    <T extends @Nullable Object> Task<Done<T>> wait(List<? extends Task<T>> tasks, ReturnWhen returnWhen, @Nullable Duration timeout);

    /**
     * Implements {@link dev.aio4j.Async#asCompleted(java.util.Collection, Duration)}.
     *
     * @param tasks the tasks
     * @param timeout the timeout, or null for none
     * @param <T> the result type
     * @return the iterable
     */
    <T extends @Nullable Object> Iterable<Task<T>> asCompleted(List<? extends Task<T>> tasks, @Nullable Duration timeout);

    /**
     * Implements {@link dev.aio4j.Async#asCompletedAsync(java.util.Collection, Duration)}.
     *
     * @param tasks the tasks
     * @param timeout the timeout, or null for none
     * @param <T> the result type
     * @return the iterable
     */
    <T extends @Nullable Object> AsyncIterable<Task<T>> asCompletedAsync(List<? extends Task<T>> tasks, @Nullable Duration timeout);

    /**
     * Implements {@link dev.aio4j.Async#waitFor(CompletionStage, Duration)}.
     *
     * @param task the task
     * @param timeout the timeout
     * @param <T> the result type
     * @return the task
     */
    <T extends @Nullable Object> Task<T> waitFor(CompletionStage<T> task, Duration timeout);

    /**
     * Implements {@link dev.aio4j.Async#timeout(Duration, Callable)}.
     *
     * @param timeout the timeout
     * @param body the body
     * @param <T> the result type
     * @return the result
     */
    <T extends @Nullable Object> T timeout(Duration timeout, Callable<? extends T> body);

    /**
     * Implements {@link dev.aio4j.Async#timeoutAsync(Duration, Callable)}.
     *
     * @param timeout the timeout
     * @param body the body
     * @param <T> the result type
     * @return the task
     */
    <T extends @Nullable Object> Task<T> timeoutAsync(Duration timeout, Callable<? extends CompletionStage<? extends T>> body);

    /**
     * Implements {@link dev.aio4j.Async#timeoutScope(Duration, ThrowingFunction)}.
     *
     * @param timeout the timeout
     * @param body the body
     * @param <T> the result type
     * @return the body's result
     */
    <T extends @Nullable Object> T timeoutScope(Duration timeout, ThrowingFunction<? super TimeoutScope, ? extends T> body);

    /**
     * Implements {@link dev.aio4j.Async#timeoutScopeAsync(Duration, ThrowingFunction)}.
     *
     * @param timeout the timeout
     * @param body the body
     * @param <T> the result type
     * @return the task
     */
    <T extends @Nullable Object> Task<T> timeoutScopeAsync(Duration timeout, ThrowingFunction<? super TimeoutScope, ? extends CompletionStage<? extends T>> body);

    /**
     * Implements {@link dev.aio4j.Async#shield(CompletionStage)}.
     *
     * @param task the task
     * @param <T> the result type
     * @return the shield
     */
    <T extends @Nullable Object> Task<T> shield(CompletionStage<T> task);

    /**
     * Implements {@link dev.aio4j.Async#toThread(Callable)}.
     *
     * @param body the body
     * @param <T> the result type
     * @return the task
     */
    <T extends @Nullable Object> Task<T> toThread(Callable<? extends T> body);

    /**
     * Implements {@link dev.aio4j.Async#taskGroup(ThrowingFunction)}.
     *
     * @param body the body
     * @param <T> the result type
     * @return the result
     */
    <T extends @Nullable Object> T taskGroup(ThrowingFunction<? super TaskGroup, ? extends T> body);

    /**
     * Implements {@link dev.aio4j.Async#taskGroupAsync(ThrowingFunction)}.
     *
     * @param body the body
     * @param <T> the result type
     * @return the task
     */
    <T extends @Nullable Object> Task<T> taskGroupAsync(ThrowingFunction<? super TaskGroup, ? extends CompletionStage<? extends T>> body);

    /**
     * Implements {@link AsyncIterable#forEach(ThrowingConsumer)}.
     *
     * @param iterable the source
     * @param action the action
     * @param <T> the element type
     * @return the task
     */
    <T extends @Nullable Object> Task<@Nullable Void> forEach(AsyncIterable<T> iterable, ThrowingConsumer<? super T> action);

    /**
     * Implements {@link AsyncIterable#forEachAsync(ThrowingFunction)}.
     *
     * @param iterable the source
     * @param action the action
     * @param <T> the element type
     * @return the task
     */
    <T extends @Nullable Object> Task<@Nullable Void> forEachAsync(AsyncIterable<T> iterable, ThrowingFunction<? super T, ? extends CompletionStage<?>> action);

    /**
     * Implements {@link AsyncIterable#toList()}.
     *
     * @param iterable the source
     * @param <T> the element type
     * @return the task
     */
    <T extends @Nullable Object> Task<List<T>> toList(AsyncIterable<T> iterable);

    /**
     * Implements {@link AsyncIterable#blocking()}.
     *
     * @param iterable the source
     * @param <T> the element type
     * @return the view
     */
    <T extends @Nullable Object> BlockingIterable<T> blocking(AsyncIterable<T> iterable);

    /**
     * Implements {@link AsyncIterable#map(ThrowingFunction)}.
     *
     * @param iterable the source
     * @param mapper the function
     * @param <T> the element type
     * @param <R> the result type
     * @return the iterable
     */
    <T extends @Nullable Object, R extends @Nullable Object> AsyncIterable<R> map(AsyncIterable<T> iterable, ThrowingFunction<? super T, ? extends R> mapper);

    /**
     * Implements {@link AsyncIterable#filter(ThrowingPredicate)}.
     *
     * @param iterable the source
     * @param predicate the test
     * @param <T> the element type
     * @return the iterable
     */
    <T extends @Nullable Object> AsyncIterable<T> filter(AsyncIterable<T> iterable, ThrowingPredicate<? super T> predicate);

    /**
     * Implements {@link AsyncIterable#take(long)}.
     *
     * @param iterable the source
     * @param n how many, zero or more
     * @param <T> the element type
     * @return the iterable
     */
    <T extends @Nullable Object> AsyncIterable<T> take(AsyncIterable<T> iterable, long n);

    /**
     * Implements {@link AsyncIterable#generate(int, Generator)}.
     *
     * @param buffer the buffer, at least 1
     * @param body the producer
     * @param <T> the element type
     * @return the generator
     */
    <T extends @Nullable Object> AsyncIterable<T> generate(int buffer, Generator<T> body);

    /**
     * Implements {@link AsyncIterable#generateAsync(int, ThrowingFunction)}.
     *
     * @param buffer the buffer, at least 1
     * @param body the producer
     * @param <T> the element type
     * @return the generator
     */
    <T extends @Nullable Object> AsyncIterable<T> generateAsync(int buffer, ThrowingFunction<? super AsyncEmitter<T>, ? extends CompletionStage<?>> body);

    /**
     * Implements {@link AsyncIterable#fromPublisher(Flow.Publisher)}.
     *
     * @param publisher the publisher
     * @param <T> the element type
     * @return the iterable
     */
    <T> AsyncIterable<T> fromPublisher(Flow.Publisher<T> publisher);

    /**
     * Implements {@link AsyncIterable#toPublisher()}.
     *
     * @param iterable the source
     * @param <T> the element type
     * @return the publisher
     */
    <T extends @Nullable Object> Flow.Publisher<T> toPublisher(AsyncIterable<T> iterable);

    /**
     * Implements {@link dev.aio4j.Async#using(Callable, ThrowingFunction)}.
     *
     * @param open opens the resource
     * @param body uses it
     * @param <R> the resource type
     * @param <T> the result type
     * @return the result
     */
    <R extends AsyncCloseable, T extends @Nullable Object> T using(Callable<? extends R> open, ThrowingFunction<? super R, ? extends T> body);

    /**
     * Implements {@link dev.aio4j.Async#usingAsync(Callable, ThrowingFunction)}.
     *
     * @param open opens the resource
     * @param body uses it
     * @param <R> the resource type
     * @param <T> the result type
     * @return the task
     */
    <R extends AsyncCloseable, T extends @Nullable Object> Task<T> usingAsync(
            Callable<? extends CompletionStage<? extends R>> open, ThrowingFunction<? super R, ? extends CompletionStage<? extends T>> body);

    /**
     * Implements {@link AsyncResource#close()}: refuses a loop's thread before anything is closed,
     * then calls {@code resource.closeAsync()} and waits, uninterruptibly, for its stage.
     *
     * @param resource the resource to close
     */
    void closeAndWait(AsyncCloseable resource);

    /**
     * Implements {@link AsyncExitStack#create()}.
     *
     * @return a new exit stack
     */
    AsyncExitStack newExitStack();

    /**
     * Implements {@link AsyncLock#create()}.
     *
     * @return a new lock
     */
    AsyncLock newLock();

    /**
     * Implements {@link AsyncEvent#create()}.
     *
     * @return a new event
     */
    AsyncEvent newEvent();

    /**
     * Implements {@link AsyncCondition#create()} and {@link AsyncCondition#create(AsyncLock)}.
     *
     * @param lock the lock to bind to, or null for a lock of its own
     * @return a new condition
     */
    AsyncCondition newCondition(@Nullable AsyncLock lock);

    /**
     * Implements {@link AsyncSemaphore#create(int)} and {@link AsyncSemaphore#bounded(int)}.
     *
     * @param permits the initial number of permits, zero or more
     * @param bounded whether releases above {@code permits} are an error
     * @return a new semaphore
     */
    AsyncSemaphore newSemaphore(int permits, boolean bounded);

    /**
     * Implements {@link AsyncQueue#create(int)}.
     *
     * @param maxSize the capacity, 0 for unbounded
     * @param <T> the item type
     * @return a new queue
     */
    <T> AsyncQueue<T> newFifoQueue(int maxSize);

    /**
     * Implements {@link AsyncQueue#lifo(int)}.
     *
     * @param maxSize the capacity, 0 for unbounded
     * @param <T> the item type
     * @return a new queue
     */
    <T> AsyncQueue<T> newLifoQueue(int maxSize);

    /**
     * Implements {@link AsyncQueue#priority(int)} and {@link AsyncQueue#priority(int, Comparator)}.
     *
     * @param maxSize the capacity, 0 for unbounded
     * @param comparator the order, or null for the items' natural order
     * @param <T> the item type
     * @return a new queue
     */
    <T> AsyncQueue<T> newPriorityQueue(int maxSize, @Nullable Comparator<? super T> comparator);
}
