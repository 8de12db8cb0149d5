/*
 * One walk over an async generator: the bounded buffer between its producer (a task of its own,
 * started at the consumer's first wait) and its one consumer, and both ends' waiting.
 *
 * The buffer is a ring of `capacity` slots under the walk's `monitor`, a ReentrantLock
 * (ArrayBlockingQueue's shape). Each end waits as what it is, and is woken after the monitor is
 * released:
 *
 *   waiter        producer (buffer full)               consumer (buffer empty)
 *   Thread        Emitter.emit: parks                   the blocking view: parks
 *   Task/Future   AsyncEmitter.emitAsync's task         hasNext()'s stage (a LoopFuture)
 *   continuation  send (a Flow's collector)           awaitElement (forEach, toList, toPublisher)
 *
 * A parked producer is woken only when the consumer has emptied half the buffer, so that the two
 * do not ping-pong one element at a time; a waiting consumer is woken by the first element.
 * Waking a parked thread costs tens of microseconds on an idle machine, so a blocking consumer
 * spins a bounded number of times before it parks (spinForElements), and a coroutine producer
 * waiting for room lets the loop's idle wait spin likewise (EventLoop.spinsBeforePark): while
 * both keep up, neither parks.
 * Futures are completed in a step of the loop (asyncio's call_soon), never on the other end's
 * stack, so a producer's continuation never runs inside the consumer's next() and vice versa.
 *
 * States: not started -> running (producer != null) -> ended (the producer's task is done:
 * `failure` holds what it failed with, delivered after the buffered elements). Closing
 * (asyncio's aclose) sets `closed`, drops the buffer, cancels the producer's task and completes
 * `closing` when that task is done; the first emit after `closed` throws a CancellationException
 * (asyncio's GeneratorExit), any later one IllegalStateException. A blocking producer parked in
 * emit is only woken (its emit throws the GeneratorExit); one cancelled between two emits takes
 * the GeneratorExit of its next emit as that cancellation (exitDelivers): one cancellation, as
 * for any blocking body, so its clean-up may wait. A non-blocking producer that
 * waits at its emitAsync when the close comes is not cancelled: that stage fails with the
 * GeneratorExit and the close waits for the body's stage, as asyncio's aclose() throws into a
 * generator suspended at its yield. A close from another thread decides about a non-blocking
 * producer in a step of the loop, where its body is not running (closeBetweenSteps).
 */
package dev.aio4j.internal.stream

import dev.aio4j.ExceptionContext
import dev.aio4j.Task
import dev.aio4j.internal.Current
import dev.aio4j.internal.DoneTask
import dev.aio4j.internal.EventLoop
import dev.aio4j.internal.LoopFuture
import dev.aio4j.internal.PromiseTask
import dev.aio4j.internal.callersCopyOf
import dev.aio4j.internal.TaskImpl
import dev.aio4j.stream.AsyncEmitter
import dev.aio4j.stream.AsyncIterator
import dev.aio4j.stream.Emitter
import java.lang.invoke.MethodHandles
import java.lang.invoke.VarHandle
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.locks.LockSupport
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume

internal abstract class GeneratorIterator<T>(
    @JvmField val loop: EventLoop,
    private val capacity: Int,
) : AsyncIterator<T>, Emitter<T>, AsyncEmitter<T> {
    /**
     * Guards the buffer and both ends' state. A ReentrantLock, not the object's monitor: a
     * virtual-thread producer and consumer contend for it on every batch, and contended
     * `synchronized` cost about twice as much per element (see ARCHITECTURE, the primitives' monitor).
     */
    @JvmField val monitor = ReentrantLock()
    private val items = arrayOfNulls<Any?>(capacity)
    private var head = 0
    private var count = 0
    private var producer: TaskImpl<*>? = null
    private var started = false
    private var ended = false
    private var failure: Throwable? = null
    /** [failure] has reached the consumer (a hasNext() or a drain failed with it), or has been reported at the close. */
    private var failureDelivered = false
    /** Volatile for [emitAsync]'s staged path, which reads it without the monitor. */
    @Volatile private var closed = false
    private var exitThrown = false

    /**
     * The error of the first emit after the GeneratorExit (under the monitor): it fails the close
     * even if the body catches it and ends normally, as asyncio's aclose() raises "async generator
     * ignored GeneratorExit" whatever the generator does next (before 2026-12-07 a body that
     * swallowed it closed cleanly; found from outside).
     */
    private var exitIgnored: RuntimeException? = null
    /** The close cancels [producer] (its thread is interrupted or about to be): see [exitDelivers]. */
    private var producerCancelled = false
    /** The close found the producer waiting at its emit (parked, or at its emitAsync): that emit throws its GeneratorExit. */
    private var toldAtEmit = false
    private var closing: LoopFuture<Void?>? = null
    private var consumerWaiter: Any? = null
    private var producerWaiter: Any? = null
    /** The task of the last emitAsync while it is not completed (even when its completion is scheduled). */
    private var pendingRoom: PromiseTask<Void?>? = null
    /**
     * Elements that a non-blocking body emitted while the buffer was full after it had completed
     * its pending emitAsync task itself (cancelled it: that withdraws nothing and makes no room):
     * they follow the buffer's elements, and [drain] moves them in as it makes room. Not empty
     * only while the buffer is full. Under the monitor.
     */
    private var overflow: ArrayDeque<Any?>? = null
    /** [poll]'s slot for [drain] (the consumer's only). */
    private val one = arrayOfNulls<Any?>(1)
    /** How many times the blocking consumer spun, and parked, waiting for elements (its thread's only; read by tests). */
    @JvmField var consumerSpins = 0L
    /** How many times a coroutine producer waited for room ([awaitRoom]; the producer's only; read by tests). */
    @JvmField var producerWaits = 0L
    /** How long the blocking consumer's next spin may be (the consumer's only): see [adapt]. */
    private var consumerSpinLimit = SPINS
    /** How long the loop may spin while a coroutine producer waits for room (the producer's only): see [adapt]. */
    private var producerSpinLimit = SPINS
    @JvmField var consumerParks = 0L
    /** emitAsync's answer while the buffer has room: made once per walk, completed. */
    private val room: DoneTask<Void?> = DoneTask.reused(loop, null)

    // Staging (see emitAsync): a non-blocking body's emits during one run of it on a single-threaded
    // loop's thread go into the free slots after the buffer's tail without the monitor, and become
    // the buffer's (count) when the run ends, or at the next emit under the monitor. Written by the
    // staging thread, and under the monitor by whoever absorbs them ([absorbStaged]): an emit from
    // another thread is, by AsyncEmitter's contract, after the previous one returned, so it sees them.

    /** The thread whose emits are staged now (the loop's), or null. Only that thread ever sees itself here. */
    private var stagingThread: Thread? = null
    /** Slots of the buffer, from [stageStart], filled by staged emits and not yet in [count]. */
    private var staged = 0
    private var stageStart = 0
    /** The next staged slot. */
    private var stageTail = 0
    /** Free slots left to stage into (the buffer's room when staging began, less [staged]). */
    private var stageFree = 0
    /** Runs of the body on the loop's thread now (nested: a run's step may run another); under the monitor. */
    @PublishedApi internal var loopRuns = 0

    /** Starts the producer's task; called once, outside the monitor. */
    protected abstract fun startProducer(): TaskImpl<*>

    /** For reports (a close that failed): what this is, without the monitor. */
    override fun toString(): String = "AsyncIterator(a generator's walk, buffer $capacity${if (closed) ", closed" else ""})"

    // ------------------------------------------------------------------------------ consumer

    /** The next element, or [EMPTY] (wait with [awaitElement]), or [END]; throws the producer's failure. */
    fun poll(): Any? {
        val n = drain(one)
        if (n <= 0) return if (n == 0) EMPTY else END
        return one[0].also { one[0] = null }
    }

    /**
     * Moves up to `into.size` elements into [into] under one monitor enter and returns how many;
     * 0 means wait with [awaitElement], -1 the end. Throws the producer's failure at the end.
     */
    fun drain(into: Array<Any?>): Int {
        val wake: Any?
        val n: Int
        monitor.withLock {
            if (count == 0) {
                if (ended && !closed) failure?.let { failureDelivered = true; throw it }
                return if (ended || closed) -1 else 0
            }
            n = minOf(count, into.size)
            for (k in 0 until n) {
                into[k] = items[head]
                items[head] = null
                head = if (head + 1 == capacity) 0 else head + 1
            }
            count -= n
            overflow?.let { o ->
                var tail = tail()
                while (count < capacity && o.isNotEmpty()) {
                    items[tail] = o.removeFirst()
                    tail = if (tail + 1 == capacity) 0 else tail + 1
                    count++
                }
                if (o.isEmpty()) overflow = null
            }
            wake = if (producerWaiter != null && count <= capacity / 2) producerWaiter.also { producerWaiter = null } else null
        }
        if (wake != null) wakeProducer(wake)
        return n
    }

    /** Starts the producer if the walk has not started yet; returns whether it did. */
    private fun startIfNew(): Boolean {
        monitor.withLock {
            if (started || closed) return false
            started = true
        }
        val task = try {
            startProducer()
        } catch (e: Throwable) {
            producerDone(null, e)
            return true
        }
        task.markRetrieved() // its failure is delivered to the consumer, or fails the close
        val closedMeanwhile = monitor.withLock {
            producer = task
            // a body that has already met the GeneratorExit at its emit, or that the close found
            // parked in it, was told: not cancelled on top
            (closed && !exitThrown && !toldAtEmit).also { producerCancelled = it }
        }
        if (closedMeanwhile) task.cancel()
        task.onDone { producerDone(task, task.exceptionOrNull()) }
        return true
    }

    /** Suspends until [poll] has something other than [EMPTY] to say. */
    suspend fun awaitElement() {
        if (startIfNew()) return
        suspendUnless(consumer = true) { count > 0 || ended || closed }
    }

    /**
     * Waits until [poll] has something other than [EMPTY] to say: spins first (see [spinForElements]),
     * then parks; an interrupt throws InterruptedException.
     */
    fun awaitElementBlocking() {
        if (startIfNew()) return
        if (spinForElements()) return
        val me = Thread.currentThread()
        while (true) {
            monitor.withLock {
                if (count > 0 || ended || closed) {
                    if (consumerWaiter === me) consumerWaiter = null
                    return
                }
                consumerWaiter = me
            }
            consumerParks++
            LockSupport.park(this)
            if (Thread.interrupted()) {
                monitor.withLock { if (consumerWaiter === me) consumerWaiter = null }
                throw InterruptedException()
            }
        }
    }

    /**
     * The blocking consumer's bounded spin before it parks (LinkedTransferQueue's and Exchanger's
     * shape): a producer running on another thread usually puts the next elements within a few
     * hundred nanoseconds, while a park and its wake-up cost tens of microseconds on an idle machine
     * (the producer's step schedules the wake-up, then the parked thread's carrier is woken).
     *
     * Reads the count without the monitor, so that the spin does not contend with the producer's
     * puts, with Thread.onSpinWait between reads, up to [consumerSpinLimit] times ([adapt]ed:
     * longer while spins end in elements, shorter while they end in parks). Returns true when
     * there is a batch to drain: [BATCH] elements (or a full buffer), or at least one and the count
     * stopped growing between two reads (the producer paused). Returns false, to park, when the
     * buffer is still empty after the spins (a slow producer, or one that has ended or closed: the
     * park's check under the monitor says which), and at once when no other processor could run
     * the producer. Counted in [consumerSpins].
     */
    private fun spinForElements(): Boolean {
        if (!MULTIPROCESSOR) return false
        val limit = consumerSpinLimit
        val enough = minOf(BATCH, capacity)
        var seen = 0
        var spins = 0
        while (spins < limit) {
            Thread.onSpinWait()
            spins++
            val now = COUNT.getOpaque(this) as Int
            if (now >= enough || (now > 0 && now == seen)) break
            seen = now
        }
        consumerSpins += spins
        val found = COUNT.getOpaque(this) as Int > 0
        consumerSpinLimit = adapt(limit, found)
        return found
    }

    override fun hasNext(): CompletionStage<Boolean> {
        startIfNew()
        monitor.withLock {
            when {
                count > 0 -> return TRUE
                closed -> return FALSE
                ended -> return failure?.let { failureDelivered = true; CompletableFuture.failedFuture(it) } ?: FALSE
            }
            val f = LoopFuture<Boolean>(loop, null)
            consumerWaiter = f
            return f
        }
    }

    @Suppress("UNCHECKED_CAST")
    override fun next(): T {
        val x = poll()
        if (x === EMPTY || x === END) throw NoSuchElementException("hasNext() has not announced an element")
        return x as T
    }

    override fun closeAsync(): CompletionStage<Void?> {
        val task: TaskImpl<*>?
        val producerWake: Any?
        val consumerWake: Any?
        val nothingRuns: Boolean
        val cancels: Boolean
        val later: Boolean
        val c: LoopFuture<Void?>
        val undelivered: Throwable?
        monitor.withLock {
            closing?.let { return callersCopyOf(it) }
            c = LoopFuture(loop, null)
            closing = c
            closed = true
            // The producer failed ahead of a consumer that stops before reading up to the failure:
            // reported (below), never dropped (it was, before 2026-12-06). A cancellation is not a
            // failure to report; one that the producer meets after this close fails the close instead.
            undelivered = if (ended && !failureDelivered) failure?.takeIf { it !is CancellationException } else null
            if (undelivered != null) failureDelivered = true
            items.fill(null)
            count = 0
            overflow = null
            task = producer
            nothingRuns = !started || ended
            // A pending emitAsync task that the body ended itself (cancelled it, which withdraws
            // nothing, or Async.waitFor's timeout, which cancels it): the body no longer waits at that emit but on something
            // else, and is decided about as a body between two emits. Before (found in review on
            // 2026-12-06), it counted as waiting there: the close only failed that (done) stage, made
            // the GeneratorExit (exitThrown) that the body never got, and waited for whatever the body
            // waited on instead of cancelling it; the body's next emit got IllegalStateException
            pendingRoom?.let {
                if (it.isDone) {
                    if (producerWaiter === it) producerWaiter = null
                    pendingRoom = null
                }
            }
            producerWake = producerWaiter.also { producerWaiter = null }
            consumerWake = consumerWaiter.also { consumerWaiter = null }
            // What the close does to a running producer. Parked in emit (a blocking one), it is only
            // woken: that emit throws the GeneratorExit, and a cancellation as well would be a second
            // one, delivered into its clean-up. Waiting at its emitAsync (a non-blocking one, asyncio's
            // yield), that stage fails with the GeneratorExit, and the close waits for the body's own
            // stage. Otherwise a non-blocking body, which runs in steps of the loop, is decided about
            // in a step, when the close comes from another thread: from here one cannot tell whether
            // it runs now, between two emits, or waits on something else ([closeBetweenSteps]); any
            // other producer is cancelled now.
            val waitsAtEmit = producerWake is Thread || pendingRoom != null
            val running = !nothingRuns && task != null && !waitsAtEmit
            // under DEFAULT_DISPATCHER a step of the loop does not exclude the body: another worker
            // may be running it (resuming it from its emitAsync's task), so the decision is a step's too
            later = running && producerOnLoop && (!loop.singleThread || !loop.inLoopStep())
            cancels = running && !later
            producerCancelled = cancels
            toldAtEmit = !nothingRuns && waitsAtEmit
        }
        if (undelivered != null) {
            loop.callExceptionHandler(
                ExceptionContext(
                    "Exception in an async generator's producer that its consumer did not receive: " +
                        "the walk was closed first (the consumer stopped early, or a closing loop cancelled both)",
                    undelivered,
                    task,
                ),
            )
        }
        if (consumerWake != null) wakeConsumer(consumerWake)
        // a producer waiting at its emit is woken even while its task is being started (task null):
        // it was told (toldAtEmit), and startIfNew does not cancel it then
        if (producerWake != null) wakeProducer(producerWake)
        if (nothingRuns) {
            c.complete(null)
        } else if (task != null) { // else it is being started, and startIfNew cancels it unless told
            if (cancels) task.cancel() else if (later) onLoop { closeBetweenSteps(task) }
        }
        return callersCopyOf(c)
    }

    /**
     * Whether the walk's close has told the body, without cancelling its task: the GeneratorExit of
     * the emit it was parked in, or of an emit after the close. A cancel of the producer's task
     * from outside the walk (the loop's close cancels every task) would then be a second
     * cancellation, delivered into the body's clean-up: a blocking body's task is not interrupted
     * for it (GeneratorProducerTask), as asyncio's aclose() throws GeneratorExit once. Not when the
     * close cancels the task itself ([producerCancelled]): that cancellation is the one.
     */
    fun bodyToldOfClose(): Boolean = monitor.withLock { (toldAtEmit || exitThrown) && !producerCancelled }

    /**
     * Whether the producer is a non-blocking body, which runs in steps of the loop (its emitAsync
     * stages complete there). A blocking body runs on its own thread, a Flow's collector is
     * cancelled at its suspending emit.
     */
    protected open val producerOnLoop: Boolean get() = false

    /**
     * The rest of a close that came from another thread while a non-blocking producer was not
     * waiting at its emitAsync, now in a step of the loop, between two runs of the body. Had the
     * close cancelled the body's stage at once, a body that was running then (granted room, going
     * on to its next emit) would have been abandoned (a CompletableFuture chain cannot be reached
     * by a cancellation), and its clean-up would have run after the close had returned. Now the
     * body has ended (its emit after the close threw the GeneratorExit, or it returned: the close
     * completes when its task is done), or it waits on something else, and is cancelled as any task
     * is. It cannot be at an emitAsync: every emitAsync since the close failed at once.
     */
    private fun closeBetweenSteps(task: TaskImpl<*>) {
        // DEFAULT_DISPATCHER: a step on another worker is resuming the body from its emitAsync's
        // stage; that step decides when the body's run has ended (wakeProducer)
        monitor.withLock {
            if (bodyRuns > 0) {
                closeDeferred = true
                return
            }
            // the body went on to an emit, whose GeneratorExit it has: what it waits on now is its
            // clean-up, which the close waits for (asyncio's aclose throws GeneratorExit once). Before
            // (found from outside on 2026-12-06), it was cancelled here, and a clean-up chained as
            // tasks was cut short under DEFAULT_DISPATCHER.
            if (exitThrown) return
        }
        if (!task.isDone) task.cancel()
    }

    /**
     * How many steps are running the body now: its first call, and steps resuming it from its
     * emitAsync's task (more than one at a time under DEFAULT_DISPATCHER, where other workers run
     * other steps meanwhile).
     */
    private var bodyRuns = 0

    /** A [closeBetweenSteps] came while [bodyRuns]: the last of those runs cancels the body when it ends, unless it has ended. */
    private var closeDeferred = false

    /** Runs [block], a run of the non-blocking body, counted in [bodyRuns]; the last one takes a [closeDeferred]. */
    internal inline fun <R> bodyRun(block: () -> R): R {
        val onLoopThread = loop.inLoopThread()
        monitor.withLock {
            bodyRunsAdd(1)
            if (onLoopThread) loopRuns++
        }
        try {
            return block()
        } finally {
            var failing: GeneratorBodyTask? = null
            var wake: Any? = null
            val task = monitor.withLock {
                if (onLoopThread && --loopRuns == 0) wake = endStaging()
                if (bodyRunsAdd(-1) == 0) {
                    failing = takeFailDeferred()
                    // a deferred closeBetweenSteps: not once the body has its GeneratorExit (see there)
                    if (takeCloseDeferred() && !exitThrownNow()) producer else null
                } else {
                    null
                }
            }
            wake?.let { wakeConsumerAfterRun(it) }
            if (task != null && !task.isDone) task.cancel()
            failing?.let { failPendingEmit(it) }
        }
    }

    @PublishedApi internal fun bodyRunsAdd(d: Int): Int {
        bodyRuns += d
        return bodyRuns
    }

    @PublishedApi internal fun takeCloseDeferred(): Boolean = closeDeferred.also { closeDeferred = false }

    /** Whether an emit after the close has thrown the GeneratorExit (under the monitor). */
    @PublishedApi internal fun exitThrownNow(): Boolean = exitThrown

    /** A cancel from outside came while [bodyRuns]: the last of those runs fails the pending emitAsync, if any, then. */
    private var failDeferred: GeneratorBodyTask? = null

    @PublishedApi internal fun takeFailDeferred(): GeneratorBodyTask? = failDeferred.also { failDeferred = null }

    /**
     * [task], the producer's, is being cancelled from outside the walk: if its body waits at
     * emitAsync, that stage fails with the cancellation in a step of the loop, after which the rest
     * of the body's chain is cancelled if still pending (GeneratorBodyTask); false, with nothing
     * done, if it does not wait there.
     */
    fun failEmitOnCancel(task: GeneratorBodyTask): Boolean {
        monitor.withLock { if (pendingRoom == null && bodyRuns == 0) return false }
        onLoop { failPendingEmit(task) }
        return true
    }

    /**
     * In a step of the loop: fails the emitAsync the body waits at *now* (a step queued before this
     * one may have resumed the body from the one it waited at when the cancel came, and it may wait
     * at the next), then cancels the rest of its chain. A run of the body going on meanwhile (on
     * another worker, under DEFAULT_DISPATCHER) does this when it ends: cancelling the chain while
     * it runs would skip its handlers. That holds when [pendingRoom] is set too: it may be the stage
     * of an emitAsync that the running body has just called and not yet returned from, its chain
     * not yet relaying it; failing it and cancelling the rest then cancelled the chain's end while
     * the run unwound into it, and the clean-up was lost (9 of 40,000 loop closes under load).
     */
    @PublishedApi internal fun failPendingEmit(task: GeneratorBodyTask) {
        val w = monitor.withLock {
            if (bodyRuns > 0) {
                failDeferred = task
                return
            }
            val w = pendingRoom
            if (w != null) {
                pendingRoom = null
                if (producerWaiter === w) producerWaiter = null
            }
            w
        }
        if (w != null) bodyRun { w.fail(task.cancellationCause()) }
        task.cancelRest()
    }

    /** The producer's task is done (or could not start): the walk has ended, a close waiting for it completes. */
    private fun producerDone(task: TaskImpl<*>?, e: Throwable?) {
        val wake: Any?
        val c: LoopFuture<Void?>?
        val ignored: RuntimeException?
        monitor.withLock {
            absorbStaged() // the elements the body emitted in the run that completed it (or, by the contract, before)
            ended = true
            failure = e
            wake = consumerWaiter.also { consumerWaiter = null }
            c = closing
            ignored = exitIgnored
        }
        if (wake != null) wakeConsumer(wake)
        if (c != null && task != null) {
            // a close that waited for the producer: its cancellation (GeneratorExit) is the normal end,
            // unless the body emitted after it ([exitIgnored]), caught that error or not
            val error = if (e == null || e is CancellationException) ignored else e
            if (error == null) c.complete(null) else c.completeExceptionally(error)
        }
    }

    // ------------------------------------------------------------------------------ producer

    override fun emit(element: T) {
        val me = Thread.currentThread()
        while (true) {
            val put = try {
                tryPut(element, me)
            } catch (e: CancellationException) {
                throw e.also { exitDelivers() }
            }
            if (put) return
            LockSupport.park(this)
            if (Thread.interrupted()) {
                monitor.withLock {
                    if (producerWaiter === me) producerWaiter = null
                    if (closed) throw exit()
                }
                throw Current.cancellationForInterrupt("Emitter.emit()")
            }
        }
    }

    /**
     * Under the monitor as any put, except while a run of the body on a single-threaded loop's thread
     * emits: then the first emit of the run puts under the monitor and opens a stage of the buffer's
     * free slots, and the emits after it fill them without the monitor (a store and a few plain
     * fields each; a few per cent per element, measured in docs/PERFORMANCE.md), until
     * the last free slot, which takes the monitor again (it is the one that makes the producer wait).
     * The staged elements become the consumer's when the run ends ([bodyRun]): the consumer on the
     * loop cannot run before, and one on another thread sees them a run at a time.
     */
    override fun emitAsync(element: T): Task<Void?> {
        if (stagingThread === Thread.currentThread() && stageFree > 1 && !closed) {
            val t = stageTail
            items[t] = element
            stageTail = if (t + 1 == capacity) 0 else t + 1
            stageFree--
            staged++
            return room
        }
        val wake: Any?
        val result: TaskImpl<Void?>
        monitor.withLock {
            if (closed) {
                absorbStaged()
                val e = exit()
                // an ignored GeneratorExit's error fails the close (exitIgnored): not reported again if the body drops it
                return if (e is CancellationException) DoneTask.of(loop, Result.failure(e)) else DoneTask.passedOn(loop, e)
            }
            if (count + staged == capacity) {
                val previous = pendingRoom
                if (previous != null && !previous.isDone) {
                    return DoneTask.of(loop, Result.failure(IllegalStateException("emitAsync() was called before the task of the previous one completed")))
                }
                // The body ended the pending task itself (cancelled it, which withdraws nothing
                // and makes no room, or Async.waitFor's timeout) and emits again while the buffer is still
                // full: the element goes in after the buffer's and this task waits for room as usual.
                // Before (found in review on 2026-12-06) this failed with the IllegalStateException
                // above, which said that the previous stage had not completed.
                absorbStaged()
                (overflow ?: ArrayDeque<Any?>().also { overflow = it }).addLast(element)
                wake = consumerWaiter?.also { consumerWaiter = null }
                result = waitForRoom()
            } else {
                wake = put(element)
                result = if (count < capacity) {
                    if (loopRuns > 0 && loop.inLoopThread()) {
                        stagingThread = Thread.currentThread()
                        val tail = tail()
                        stageStart = tail
                        stageTail = tail
                        stageFree = capacity - count
                    }
                    room
                } else {
                    waitForRoom()
                }
            }
        }
        if (wake != null) wakeConsumer(wake)
        return result
    }

    /**
     * The suspending emit of a coroutine producer (FlowIterable's collector of a Flow), which runs
     * in a step of the loop: a consumer thread parked for an element is woken by a step of its own
     * (after this producer has suspended or the step has ended) rather than at once, so that it
     * wakes to a buffer that is full, not to one element, however fast it drains.
     */
    suspend fun send(element: T) {
        while (true) {
            if (offer(element)) return
            awaitRoom()
        }
    }

    /**
     * [send] without suspending: puts [element] and returns true if the buffer has room, else
     * returns false. A collector calls `if (!offer(x)) send(x)`, so that the suspending function,
     * and the continuation each of its calls allocates, is reached only when the buffer is full.
     */
    fun offer(element: T): Boolean = tryPut(element, null, wakeThreadLater = true)

    /**
     * Moves `chunk[from until to]` into the buffer, as many as it has room for, under one monitor
     * enter, and wakes a consumer waiting for them (a thread in a later step of the loop, as
     * [offer] does); returns the index of the first element not moved, or -1 after a close (the
     * chunk is then the caller's to drop). Moved slots of [chunk] are cleared. When not all of it
     * fits, [onRoom] (if given) is registered as the producer's waiter, unless one is registered
     * already: it runs in a step of the loop once the consumer has made room, or the walk is closed.
     */
    fun offerAll(chunk: Array<Any?>, from: Int, to: Int, onRoom: Runnable? = null): Int {
        val wake: Any?
        val end: Int
        monitor.withLock {
            if (closed) return -1
            val n = minOf(to - from, capacity - count)
            // Not all of it fits: [onRoom] runs in a step of the loop once the consumer has made room
            // (or the walk is closed), unless the producer itself already waits for room.
            if (n < to - from && onRoom != null && producerWaiter == null) producerWaiter = onRoom
            if (n == 0) return from
            var tail = tail()
            for (k in from until from + n) {
                items[tail] = chunk[k]
                chunk[k] = null
                tail = if (tail + 1 == capacity) 0 else tail + 1
            }
            count += n
            end = from + n
            wake = consumerWaiter?.also { consumerWaiter = null }
        }
        if (wake != null) {
            if (wake is Thread) onLoop { LockSupport.unpark(wake) } else wakeConsumer(wake)
        }
        return end
    }

    /**
     * Suspends (a coroutine producer, on the loop) until the buffer has room or the walk is closed.
     * The loop's idle wait spins a little before it parks (EventLoop.spinsBeforePark, up to
     * [producerSpinLimit], [adapt]ed by whether the loop parked during the wait): a consumer
     * thread that is draining the buffer makes room within microseconds, and its wake-up of the
     * loop is then no park and unpark.
     */
    suspend fun awaitRoom() {
        producerWaits++
        if (!loop.singleThread || !MULTIPROCESSOR) {
            suspendUnless(consumer = false) { count < capacity || closed }
            return
        }
        val limit = producerSpinLimit
        val parks = loop.idleParks
        loop.spinsBeforePark = limit
        suspendUnless(consumer = false) { count < capacity || closed }
        producerSpinLimit = adapt(limit, loop.idleParks == parks) // back on the loop: its counts are ours to read
    }

    /** What a coroutine producer throws when [offerAll] says the walk was closed. */
    fun closedError(): RuntimeException = monitor.withLock { exit() }

    /**
     * Suspends as the consumer's (or the producer's) waiter unless [ready] holds (checked under the
     * monitor); a cancelled waiter takes itself off.
     */
    private suspend inline fun suspendUnless(consumer: Boolean, crossinline ready: () -> Boolean) {
        suspendCancellableCoroutine { cont ->
            val now = monitor.withLock {
                ready() || false.also { if (consumer) consumerWaiter = cont else producerWaiter = cont }
            }
            if (now) {
                cont.resume(Unit)
            } else {
                cont.invokeOnCancellation {
                    monitor.withLock {
                        if (consumerWaiter === cont) consumerWaiter = null
                        if (producerWaiter === cont) producerWaiter = null
                    }
                }
            }
        }
    }

    /**
     * Puts [element] if the buffer has room and wakes a consumer waiting for it (a thread in a
     * later step of the loop if [wakeThreadLater]); else registers [waiter] (if any) as the
     * producer's and returns false. After a close, throws its exit.
     */
    private fun tryPut(element: T, waiter: Any?, wakeThreadLater: Boolean = false): Boolean {
        val wake: Any?
        monitor.withLock {
            if (closed) throw exit()
            if (count == capacity) {
                if (waiter != null) producerWaiter = waiter
                return false
            }
            wake = put(element)
        }
        if (wake != null) {
            if (wakeThreadLater && wake is Thread) onLoop { LockSupport.unpark(wake) } else wakeConsumer(wake)
        }
        return true
    }

    /** Appends [element] (under the monitor); returns the consumer waiting for it, now taken, if any. */
    private fun put(element: T): Any? {
        absorbStaged()
        items[tail()] = element
        count++
        return consumerWaiter?.also { consumerWaiter = null }
    }

    /**
     * Under the monitor: the task of an emitAsync whose element filled the buffer, completed when
     * the consumer makes room. A task, not a plain future, so that what the body chains on it
     * (`emitAsync(x).thenCompose(...)`) is a chain of tasks that the close's cancellation reaches.
     */
    private fun waitForRoom(): PromiseTask<Void?> = PromiseTask<Void?>(loop).also {
        it.start(loop.taskContext) // on a loop closed past its last sweep: IllegalStateException, the closed loop's rule
        producerWaiter = it
        pendingRoom = it
    }

    /** Under the monitor: the slot after the buffer's last element. */
    private fun tail(): Int {
        val t = head + count
        return if (t >= capacity) t - capacity else t
    }

    /**
     * Under the monitor: ends the staging, if any; its elements join the buffer (as a put's would,
     * even after the producer's end), or, after a close, are dropped with it.
     */
    private fun absorbStaged() {
        stagingThread = null
        stageFree = 0
        val n = staged
        if (n == 0) return
        staged = 0
        if (closed) {
            var k = stageStart
            repeat(n) {
                items[k] = null
                k = if (k + 1 == capacity) 0 else k + 1
            }
        } else {
            count += n
        }
    }

    /** Under the monitor, at the end of a run of the body on the loop's thread: [absorbStaged], and the consumer to wake, if any. */
    @PublishedApi internal fun endStaging(): Any? {
        val any = staged > 0
        absorbStaged()
        return if (any && count > 0) consumerWaiter?.also { consumerWaiter = null } else null
    }

    @PublishedApi internal fun wakeConsumerAfterRun(w: Any) = wakeConsumer(w)

    /**
     * A blocking body's emit is about to throw the GeneratorExit. If the close also cancels the
     * body's task (it found the body between two emits, where it may be waiting on something
     * else), the GeneratorExit delivers that cancellation: the interrupt, landed or a few
     * instructions away on the closing thread, is consumed, so that the body's clean-up may make
     * blocking calls (a cancellation is delivered once). Either the close decided to cancel before
     * this emit saw `closed` ([producerCancelled], set with `closed` or with [producer]), or it will
     * not cancel the body at all (the body was parked in emit, or has met the GeneratorExit).
     */
    private fun exitDelivers() {
        val here = Current.get()
        // an emit from a thread of the body's own: the interrupt is not its to take
        val task = (here as? GeneratorProducerTask)?.takeIf { it.walk === this } ?: return
        // The close cancels the body, or a cancel from outside (the loop's close) began before the
        // GeneratorExit was made (under this monitor, see GeneratorProducerTask): its interrupt is
        // landing, and this GeneratorExit is that cancellation. Before (found from outside on
        // 2026-12-06), the second case left the interrupt to land in the body's finally.
        if (!monitor.withLock { producerCancelled } && task.phase() < TaskImpl.INTERRUPTING) return
        var spins = 0
        while (task.phase() < TaskImpl.INTERRUPTED) if (++spins < 100) Thread.onSpinWait() else Thread.yield()
        Thread.interrupted()
    }

    /** What an emit after the close throws (under the monitor): asyncio's GeneratorExit once, then an error. */
    private fun exit(): RuntimeException {
        if (exitThrown) {
            return IllegalStateException(
                "the generator was closed and its body emitted again after emit threw the CancellationException " +
                    "of the close (asyncio: async generator ignored GeneratorExit)",
            ).also { if (exitIgnored == null) exitIgnored = it }
        }
        exitThrown = true
        return CancellationException("the consumer closed the generator")
    }

    // -------------------------------------------------------------------------------- waking

    private fun wakeConsumer(w: Any) {
        @Suppress("UNCHECKED_CAST")
        when (w) {
            is Thread -> LockSupport.unpark(w)
            is CancellableContinuation<*> -> (w as CancellableContinuation<Unit>).resume(Unit)
            is LoopFuture<*> -> onLoop { resolve(w as LoopFuture<Boolean>) }
        }
    }

    /** Completes a waiting hasNext() with what is known now, or waits again (nothing to say yet). */
    private fun resolve(f: LoopFuture<Boolean>) {
        var fail: Throwable? = null
        val has: Boolean
        monitor.withLock {
            when {
                count > 0 -> has = true
                closed -> has = false
                ended -> {
                    fail = failure
                    if (fail != null) failureDelivered = true
                    has = false
                }
                else -> {
                    // waits again, unless the consumer has asked again meanwhile (an abandoned
                    // hasNext() stage): this one is stale then, and replacing the newer waiter hung
                    // the walk (found in review on 2026-12-06)
                    if (!f.isDone && consumerWaiter == null) consumerWaiter = f
                    return
                }
            }
        }
        val e = fail
        if (e == null) f.complete(has) else if (!f.completeExceptionally(e)) undelivered(e)
    }

    /**
     * The consumer gave up on the hasNext() stage that was to carry the producer's failure [e] (it
     * cancelled it: an asFlow collector cancelled meanwhile) before [resolve] completed it: the
     * failure was not delivered. The close delivers or reports it as it does an undelivered one; if
     * the walk is closed already (its close counted the failure as delivered), it is reported
     * here. Before 2026-12-06 it was counted as delivered and lost
     * (GeneratorFailureAsTheCollectorIsCancelledTest; found from outside).
     */
    private fun undelivered(e: Throwable) {
        val report = monitor.withLock {
            if (!closed) failureDelivered = false
            closed
        }
        if (report && e !is CancellationException) {
            loop.callExceptionHandler(ExceptionContext("the generator's failure, which its consumer gave up waiting for", e, null))
        }
    }

    private fun wakeProducer(w: Any) {
        @Suppress("UNCHECKED_CAST")
        when (w) {
            is Thread -> LockSupport.unpark(w)
            is CancellableContinuation<*> -> (w as CancellableContinuation<Unit>).resume(Unit)
            is PromiseTask<*> -> onLoop {
                bodyRun {
                    var taken = true
                    val exit = monitor.withLock {
                        // not there: failPendingEmit took it meanwhile, and fails it (completing it
                        // here first let the body run on, and the cancel then skip its handlers)
                        if (pendingRoom === w) pendingRoom = null else taken = false
                        // not for a stage the body completed itself (cancelled): it never sees this
                        // GeneratorExit, and its next emit must be the one that throws it
                        if (closed && !w.isDone) exit() else null
                    }
                    if (!taken) Unit else if (exit == null) (w as PromiseTask<Void?>).complete(null) else w.fail(exit)
                }
            }
            // after Thread, CancellableContinuation and a task, which may be Runnables too: a chunk's rest (FlowIterable)
            is Runnable -> onLoop { w.run() }
        }
    }

    /** Runs [action] in a step of the loop (asyncio's call_soon); on a closed loop, here. */
    private inline fun onLoop(crossinline action: () -> Unit) {
        try {
            loop.execute { action() }
        } catch (e: RejectedExecutionException) {
            action()
        }
    }

    companion object {
        /** The blocking consumer's spins before it parks: LinkedTransferQueue's count. */
        const val SPINS = 1 shl 7

        /** The most and the fewest spins [adapt] allows: about 50 and 1 us of Thread.onSpinWait. */
        const val LONG_SPINS = 1 shl 10
        const val SHORT_SPINS = 1 shl 4

        /**
         * The next spin limit after a spin of [limit] that ended in what it waited for ([paid]:
         * doubled) or in a park (halved), within SHORT_SPINS..LONG_SPINS: HotSpot's adaptive
         * spinning for monitors. When the other side runs on another core (an idle machine), spins
         * pay and grow long enough to cover its pauses; when the cores are oversubscribed, the
         * other side is rarely running during a spin, spins fail and shrink to a microsecond.
         */
        fun adapt(limit: Int, paid: Boolean): Int =
            if (paid) minOf(limit * 2, LONG_SPINS) else maxOf(limit / 2, SHORT_SPINS)
        private val MULTIPROCESSOR = Runtime.getRuntime().availableProcessors() > 1
        private val COUNT: VarHandle = MethodHandles.privateLookupIn(GeneratorIterator::class.java, MethodHandles.lookup())
            .findVarHandle(GeneratorIterator::class.java, "count", Int::class.javaPrimitiveType)
        @JvmField val EMPTY = Any()
        @JvmField val END = Any()
        @JvmField val TRUE: CompletableFuture<Boolean> = CompletableFuture.completedFuture(true)
        @JvmField val FALSE: CompletableFuture<Boolean> = CompletableFuture.completedFuture(false)
    }
}
