/*
 * The event loop: asyncio's BaseEventLoop. It owns a FIFO of ready callbacks, a heap of timers,
 * and the root job that every task of the loop is a child of.
 *
 *     other threads ──callSoon/dispatch──▶ inbox (lock-free, MPSC) ─┐
 *     loop thread   ──callSoon/dispatch──▶ ready (ArrayDeque) ◀─────┘ drained at each step
 *     timers (heap, loop thread only) ──due──▶ ready
 *     zero-delay sleeps made on the loop thread (dueNow) ──next step, after the due timers──▶ ready
 *
 * One step (runOnce), as asyncio's _run_once: drain the inbox; park until the next timer unless
 * something is ready; move due timers, then dueNow, to ready; run the callbacks that were ready at that point
 * (those they schedule run at the next step); the park spins a bounded number of times first
 * when a step expects work from another thread within microseconds (spinsBeforePark: a Flow's
 * collector waiting for a consumer thread to make room). The thread that calls runUntilComplete/runForever
 * is the loop's thread for that call. Under Threading.DEFAULT_DISPATCHER that thread only keeps
 * the timers; callbacks and coroutines run on Dispatchers.Default, during a run only, as on one
 * thread: a callback scheduled while no thread runs the loop (or while a run ends) waits in the
 * inbox for the next run, and a run ends once the callbacks it handed out have returned (inFlight),
 * so that a close leaves nothing running.
 *
 * Invariant: ready, timers and runningTask are touched by the loop's thread only (runningTask by
 * each Dispatchers.Default worker for itself under DEFAULT_DISPATCHER); thread,
 * sleeping, stopping and closed are volatile and make the wake-up protocol (a producer adds to
 * the inbox, then unparks the loop if it is sleeping; the loop sets sleeping, then re-checks the
 * inbox before it parks) lose no wake-up.
 */
package dev.aio4j.internal

import dev.aio4j.ThrowingRunnable
import dev.aio4j.ExceptionContext
import dev.aio4j.Handle
import dev.aio4j.Loop
import dev.aio4j.LoopExceptionHandler
import dev.aio4j.LoopOptions
import dev.aio4j.Promise
import dev.aio4j.Task
import dev.aio4j.TimerHandle
import java.lang.ref.ReferenceQueue
import java.time.Duration
import java.util.PriorityQueue
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.Executor
import java.util.concurrent.ExecutorService
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.locks.LockSupport
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlin.coroutines.CoroutineContext

internal class EventLoop(private val options: LoopOptions) : Loop {
    @JvmField val startNanos: Long = System.nanoTime()
    @JvmField val number: Int = loopNumbers.incrementAndGet()
    @JvmField val singleThread: Boolean = options.threading() == LoopOptions.Threading.SINGLE_THREAD

    // ---- the queue and the timers
    private val inbox = ConcurrentLinkedQueue<Runnable>()
    private val ready = ArrayDeque<Runnable>()
    private val timers = PriorityQueue<TimerEntry>(TIMER_ORDER)
    /**
     * Zero-delay sleeps made on the loop's thread (a yield): due at once, so kept in a FIFO beside
     * the heap, without its ordering or a clock reading; the next step moves them to ready after
     * the timers due by then.
     */
    private val dueNow = ArrayDeque<Runnable>()
    private var timerSeq = 0L
    private val cancelledTimers = AtomicInteger()

    // ---- who runs the loop
    @Volatile private var thread: Thread? = null

    /** The trampoline of completions and cancellations on this loop's thread (Trampoline.kt); confined to it. */
    @JvmField val trampoline = Trampoline()
    @Volatile private var sleeping = false
    @Volatile private var stopping = false
    /**
     * DEFAULT_DISPATCHER: whether [enqueue] may hand a callback to Dispatchers.Default (a run is on
     * and not ending); set and cleared by the thread running the loop.
     */
    @Volatile private var dispatching = false
    /**
     * DEFAULT_DISPATCHER: callbacks handed to Dispatchers.Default that have not returned. [enqueue]
     * counts one before it reads [dispatching], and a run's end clears [dispatching] before it
     * waits for this to be 0 (both sequentially consistent): a callback is either seen by that wait
     * or kept for the next run.
     */
    private val inFlight = AtomicInteger()
    @Volatile private var closing = false
    @Volatile private var closed = false
    /** Set by close() once a sweep found no task left: from then on every new task is refused. */
    @Volatile private var refusingAll = false
    /**
     * Set by close() before its last look at the queues: from then on [execute] refuses (its
     * callers run the action themselves, where they can: a closing that must not stop halfway),
     * since what it queued would be dropped. A command queued just before is either run by that
     * last step or taken back and refused (see [execute]).
     */
    @Volatile private var refusingExecute = false
    /** The thread running close(), while it does (under this object's monitor). */
    private var closingThread: Thread? = null

    /**
     * The non-blocking task whose body the calling thread of the loop is calling now (asyncio's
     * current_task). Under DEFAULT_DISPATCHER several workers call bodies at once: one per worker.
     */
    var runningTask: TaskImpl<*>?
        get() = if (runningTaskOfWorker == null) runningTaskOfLoopThread else runningTaskOfWorker.get()
        set(task) {
            if (runningTaskOfWorker == null) runningTaskOfLoopThread = task else if (task == null) runningTaskOfWorker.remove() else runningTaskOfWorker.set(task)
        }
    private var runningTaskOfLoopThread: TaskImpl<*>? = null

    /**
     * What the thread running the loop runs now (runOnce), for Current.task(): a step of a Kotlin
     * coroutine is its task's. Plain: that thread's alone. (A Dispatchers.Default worker's step is
     * its OnDefault, in Current's thread-local.)
     */
    @JvmField var runningStep: Runnable? = null
    private val runningTaskOfWorker: ThreadLocal<TaskImpl<*>?>? = if (singleThread) null else ThreadLocal()

    // ---- tasks
    @JvmField val rootJob: Job = SupervisorJob()
    /** The top-level tasks that are not the root job's children (see LoopTasks). */
    @JvmField val tasks = LoopTasks(this)
    @JvmField val dispatcher: CoroutineDispatcher = if (singleThread) LoopThreadDispatcher(this) else DefaultModeDispatcher(this)
    /** The context of the loop's tasks: a task's coroutine gets it with its own job (see LoopContext). */
    @JvmField val taskContext: CoroutineContext = LoopContext(
        CoroutineExceptionHandler { _, e -> callExceptionHandler(ExceptionContext("Unhandled exception in a coroutine of the loop", e, null)) },
        rootJob,
        dispatcher,
    )
    private val taskNumbers = AtomicLong()
    /**
     * The task that the ...Async methods of the primitives return when they complete at once with
     * no value (a put into a queue with room, an acquire of a free lock): one done task per loop,
     * shared, as a completed stage carries nothing that tells two such calls apart.
     */
    @JvmField val doneVoid: TaskImpl<Void?> = DoneTask.served(this, Result.success(null))

    // ---- threads for blocking bodies: virtual threads, or a cached pool on JDK 17-20; to_thread's pool
    private val platformPool: ExecutorService? = if (Threads.hasVirtualThreads) null else Threads.cachedPlatformPool("aio4j-loop-$number-task")
    @JvmField val blockingExecutor: Executor = Threads.virtualThreadExecutor ?: platformPool!!
    @Volatile private var defaultPool: ExecutorService? = null

    // ---- failures nobody retrieved
    @JvmField val unretrievedQueue = ReferenceQueue<TaskImpl<*>>()
    private val unretrieved: MutableSet<Unretrieved> = ConcurrentHashMap.newKeySet()
    @Volatile private var handler: LoopExceptionHandler? = null

    override fun options(): LoopOptions = options

    // ------------------------------------------------------------------------------ threads

    /** Whether the calling thread is this loop's thread (or runs this loop's work on Default). */
    fun isLoopThread(): Boolean = Current.get() === this

    /** What a coroutine that the closed loop can no longer run is cancelled with (LoopDispatchers.kt). */
    fun closedCancellation(): java.util.concurrent.CancellationException =
        java.util.concurrent.CancellationException("the loop $number is closed")

    fun checkOpen() {
        if (closed) throw IllegalStateException("loop is closed")
    }

    fun nextTaskName(): String = "Task-${taskNumbers.incrementAndGet()}"

    /**
     * Whether a task just attached to this loop's job tree must be refused (TaskImpl.start). Once
     * close() has begun, tasks created from outside the loop (a thread that is neither the loop's
     * nor one of its tasks') are refused; those created inside it (done callbacks and clean-up of
     * the tasks close() cancels) are accepted, and cancelled and waited for by its next sweep,
     * until a sweep finds no task left; from then on every task is refused. The task was attached
     * before this is read, and close() sets each flag before it reads the children: either the
     * sweep sees the task, or the task sees the flag.
     */
    val refusesTasks: Boolean
        get() = closing && (refusingAll || closed || Current.loopOrNull() !== this)

    /** Whether the calling thread is the thread running this SINGLE_THREAD loop now: the one that the loop's own structures are confined to. */
    fun inLoopThread(): Boolean = singleThread && Thread.currentThread() === thread

    /** Whether the calling thread is the thread running this loop's steps (any thread of it under DEFAULT_DISPATCHER). */
    fun inLoopStep(): Boolean = if (singleThread) Thread.currentThread() === thread else isLoopThread()

    // -------------------------------------------------------------------------- scheduling

    /** Schedules [r] for the next step. Used for callbacks and coroutine dispatch alike. */
    fun enqueue(r: Runnable) {
        if (!singleThread) {
            inFlight.incrementAndGet()
            if (dispatching) {
                Dispatchers.Default.dispatch(kotlin.coroutines.EmptyCoroutineContext, OnDefault(this, r))
                return
            }
            returnedOnDefault() // no run, or one ending: kept for the next run
        }
        if (singleThread && Thread.currentThread() === thread) {
            // behind what other threads queued before, even past one drain's limit: FIFO (a
            // callback of the loop's thread overtook a backlog of more than two drains, found
            // from outside on 2026-12-06)
            if (drainInbox()) ready.addLast(r) else inbox.add(r)
        } else {
            inbox.add(r)
            wake()
        }
    }

    /** Adds a timer, from any thread. */
    fun addTimer(t: TimerEntry) {
        if (Thread.currentThread() === thread) {
            // timers other threads scheduled before this one get their sequence numbers first (FIFO
            // for equal deadlines); past one drain's limit, this one waits behind them in the inbox
            if (drainInbox()) insertTimer(t) else inbox.add(t)
        } else {
            inbox.add(t)
            wake()
        }
    }

    /**
     * Adds [t], a timer due at once, as a timer that the next step runs after the timers due by
     * then; false, with nothing done, when the caller is not the loop's thread (see [addTimer]).
     */
    fun addDueNow(t: TimerEntry): Boolean {
        if (Thread.currentThread() !== thread || !inbox.isEmpty()) return false // a backlog from other threads: a timer, behind it
        dueNow.addLast(t)
        return true
    }

    fun timerAfter(delayNanos: Long, action: Runnable): ActionTimer {
        val t = ActionTimer(deadlineAfter(System.nanoTime(), delayNanos), this, action)
        addTimer(t)
        return t
    }

    /**
     * Marks [t] cancelled, from any thread (once: a second call does nothing), and counts it if it
     * is in the heap now; one not yet there (in the inbox) is counted when it gets there, one that
     * has left it (fired, or swept) is not counted. asyncio counts a cancellation only while the
     * handle is _scheduled; before 2026-12-06 every call counted, so cancellations after the timer
     * fired, or two at once from two threads, made the count drift up, and a sweep that reset it to
     * 0 lost the cancellations of timers still in the inbox, which made it drift down, below 0.
     */
    fun timerCancelled(t: TimerEntry) {
        val s = changeTimerState(t) { it or TimerEntry.TIMER_CANCELLED }
        if (s and TimerEntry.TIMER_CANCELLED == 0 && s and TimerEntry.TIMER_IN_HEAP != 0) cancelledTimers.incrementAndGet()
    }

    private fun insertTimer(t: TimerEntry) {
        t.seq = timerSeq++
        timers.add(t)
        val s = changeTimerState(t) { it or TimerEntry.TIMER_IN_HEAP }
        if (s and TimerEntry.TIMER_CANCELLED != 0) cancelledTimers.incrementAndGet() // cancelled before it got here
    }

    /** [t] has been taken out of the heap (due, or swept): it no longer counts, if it did. */
    private fun leftHeap(t: TimerEntry) {
        val s = changeTimerState(t) { it and TimerEntry.TIMER_IN_HEAP.inv() }
        if (s and TimerEntry.TIMER_CANCELLED != 0) cancelledTimers.decrementAndGet()
    }

    /** Applies [change] to [t]'s state atomically (the cancelled bit comes from any thread); returns the state before. */
    private inline fun changeTimerState(t: TimerEntry, change: (Int) -> Int): Int {
        while (true) {
            val s = t.timerState
            val u = change(s)
            if (u == s || t.casTimerState(s, u)) return s
        }
    }

    /** DEFAULT_DISPATCHER: a callback handed to Dispatchers.Default returned; the last one wakes a run's end that waits. */
    private fun returnedOnDefault() {
        if (inFlight.decrementAndGet() == 0 && !dispatching) thread?.let { LockSupport.unpark(it) }
    }

    /** DEFAULT_DISPATCHER: the end of a run. Stops handing callbacks out, then waits for those handed out to return. */
    private fun endDispatching() {
        dispatching = false
        while (inFlight.get() != 0) LockSupport.parkNanos(this, 1_000_000)
    }

    private fun wake() {
        if (sleeping) {
            val t = thread
            if (t != null) LockSupport.unpark(t)
        }
    }

    /**
     * Moves what other threads queued to the loop's structures: at most [INBOX_DRAIN_LIMIT] at a
     * time, so that a thread that keeps calling callSoon faster than this drains cannot keep the
     * loop's thread here for ever (it did, at a run's end: found from outside on 2026-12-05); the
     * rest is taken at the next step. (Taking everything queued before the drain instead, as
     * asyncio's step does, made each step of a flood longer than the one before, without end.)
     * Returns whether it left the inbox empty.
     */
    private fun drainInbox(): Boolean {
        var left = INBOX_DRAIN_LIMIT
        while (left-- > 0) {
            val r = inbox.poll() ?: return true
            if (r !is InboxMark) fromInbox(r)
        }
        return inbox.isEmpty()
    }

    /**
     * close()'s last step: moves everything queued before this call, however much (asyncio.run's
     * closing steps run every callback already scheduled); what other threads queue meanwhile stays
     * behind the mark. With [drainInbox]'s limit alone, a close after a run that had not taken all
     * dropped the rest (1 million of 3.5 million callbacks in LoopHandoverStressTest on CI).
     */
    private fun drainInboxToMark() {
        val mark = InboxMark()
        inbox.add(mark)
        while (true) {
            val r = inbox.poll() ?: return
            if (r === mark) return
            if (r !is InboxMark) fromInbox(r)
        }
    }

    private fun fromInbox(r: Runnable) {
        if (r is TimerEntry) insertTimer(r) else if (!singleThread && dispatching) enqueue(r) else ready.addLast(r)
    }

    /**
     * What close() does with an item it takes out of the queues once the loop is closed (each item
     * comes here once: the queues give it up once): a Kotlin delay's timer is cancelled, a
     * withTimeout's moves off the loop (KotlinTimeoutTimer.moveOnClose), and a coroutine's
     * resumption (what a loop's dispatcher queued: kotlinx's dispatched blocks are Continuations,
     * and none of the loop's own runnables is) goes on on Dispatchers.IO with its job cancelled, as
     * LoopDispatcherBase.dispatch does for a dispatch after the close (kotlinx's dispatcher of a
     * closed executor does the same; a value the resumption carried is lost to the cancellation).
     * A delay of a coroutine that is none of the loop's tasks (a Kotlin scope's own, on the loop's
     * dispatcher) would otherwise never end: before 2026-12-05 it stayed suspended for ever.
     * Anything else is a callback, dropped as asyncio's close drops it. Dropped too, a resumption
     * was a coroutine that never ran again, its finally blocks included: one resumed from another
     * thread while close() ran its last steps (found from outside on 2026-12-06: 1 round in 300
     * single-threaded, 7 in 300 under DEFAULT_DISPATCHER).
     *
     * A command that [execute] accepted is run here, on the closing thread before close() returns:
     * its execute() read the flags before close() set [refusingExecute], then queued it after
     * close()'s last look at the queues, and this emptying of the inbox took it before execute()
     * could take it back, so execute() returns normally. Before 2026-12-06 it was dropped here and
     * never ran (found by reading the code; a likely cause of the accepted callback lost once at a
     * close in full-suite runs, AsyncWithEdgesTest and NothingRunsAfterCloseTest). It runs as a
     * refused command does on its caller's thread: with no loop running.
     */
    private fun disposeOnClose(r: Runnable) {
        when (r) {
            is HandleImpl -> if (r.accepted) r.run() // accepted by execute(): must run (see above)
            is ResumeTimer -> if (r.abandon(closedCancellation())) endedByTheClose(r.continuation.context)
            is KotlinTimeoutTimer -> r.moveOnClose()
            is kotlin.coroutines.Continuation<*> -> {
                runOffTheClosedLoop(r.context, r)
                endedByTheClose(r.context)
            }
        }
    }

    /**
     * The jobs of the coroutines that [disposeOnClose] cancelled in close() (a scope's own, left in a
     * delay on the loop or queued to resume on it): close() returns once they have completed, their
     * finally blocks run on Dispatchers.IO ([awaitEndedByTheClose]). The closing thread's.
     */
    private var endedByTheClose: ArrayList<Job>? = null

    private fun endedByTheClose(context: CoroutineContext) {
        val job = context[Job] ?: return
        (endedByTheClose ?: ArrayList<Job>().also { endedByTheClose = it }).add(job)
    }

    /**
     * Waits, uninterruptibly (an interrupt is set again after), until the coroutines that the close
     * cancelled off the loop have completed: their finally blocks have run when close() returns, as
     * those of the loop's own tasks have. Before 2026-12-07 close() returned first, and a `launch`
     * of a scope of its own that was in a delay on the loop ran its finally after Async.run had
     * returned (found from outside). A coroutine cancelled while it waits for something else than
     * the loop (a foreign future, a channel) is not known to the loop, and still ends after, when it
     * resumes (on Dispatchers.IO, cancelled).
     */
    private fun awaitEndedByTheClose() {
        val jobs = endedByTheClose ?: return
        endedByTheClose = null
        val left = java.util.concurrent.CountDownLatch(jobs.size)
        for (job in jobs) job.invokeOnCompletion { left.countDown() }
        if (waitThroughInterrupts { left.await() }) Thread.currentThread().interrupt()
    }

    /** Runs [block] of a coroutine of [context] on Dispatchers.IO with its job cancelled: what a closed loop does with a coroutine's work. */
    fun runOffTheClosedLoop(context: CoroutineContext, block: Runnable) {
        context.cancel(closedCancellation())
        Dispatchers.IO.dispatch(context, block)
    }

    /**
     * What close()'s last steps took out of the queues besides the accepted commands: disposed of
     * ([disposeOnClose]) once the loop is closed, not before, so that nothing of a single-threaded
     * loop runs on another thread while the loop still runs its last callbacks. The closing thread's.
     */
    private var takenAtClose: ArrayList<Runnable>? = null

    /**
     * After an add to the inbox from another thread that checked [isClosed] first: true if the loop
     * closed meanwhile and [r] was taken back here (close() has emptied the inbox, or will take it
     * out and dispose of it: whichever removes it first does), for the caller to hand on.
     */
    fun tookBackAfterClose(r: Runnable): Boolean = closed && inbox.remove(r)

    /** The end of the inbox as close() found it (see drainInboxToMark, takeAccepted); it runs nothing. */
    private class InboxMark : Runnable {
        override fun run() {}
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun callSoon(callback: Runnable?): Handle {
        requireArgument(callback, "callback", "Loop.callSoon")
        checkOpen()
        if (isLoopThread()) {
            val h = HandleImpl(this, callback)
            enqueue(h)
            return h
        }
        // From another thread, as execute(): never accepted and then dropped by a close. A callback
        // queued while the loop closes runs in the closing's last step, or is refused once that has
        // begun (the loop is closed for it then), which also ends a flood of calls that kept a close
        // queuing what it would never run. Before 2026-12-07 a handle was returned and the callback
        // dropped (a third of a flood's callbacks), and a close under such a flood ran out of memory
        // (both found from outside)
        val h = HandleImpl(this, callback, accepted = true)
        if (!enqueueAccepted(h)) throw IllegalStateException("loop is closed")
        return h
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun execute(command: Runnable?) {
        requireArgument(command, "command", "Loop.execute")
        if (!enqueueAccepted(HandleImpl(this, command, accepted = true))) throw RejectedExecutionException("loop is closed")
    }

    /**
     * Queues [h], which must run (see [refusingExecute]), unless the loop's close is past its last
     * step: false then, with nothing queued. close() sets the flag, then takes what is queued (both
     * volatile: it sees h, or this sees the flag): h is run by its last step, or taken back here,
     * or, when close()'s final emptying of the inbox took it before this could, run there
     * ([disposeOnClose]): whoever removes h from the inbox runs it.
     */
    private fun enqueueAccepted(h: HandleImpl): Boolean {
        if (closed || refusingExecute) return false
        enqueue(h)
        return !(refusingExecute && inbox.remove(h))
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun callLater(delay: Duration?, callback: Runnable?): TimerHandle {
        requireArgument(delay, "delay", "Loop.callLater")
        requireArgument(callback, "callback", "Loop.callLater")
        require(!delay.isNegative) { "delay must not be negative: $delay" }
        checkOpen()
        return timerHandle(deadlineAfter(System.nanoTime(), delay.saturatedNanos()), callback)
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun callAt(`when`: Duration?, callback: Runnable?): TimerHandle {
        requireArgument(`when`, "when", "Loop.callAt")
        requireArgument(callback, "callback", "Loop.callAt")
        checkOpen()
        return timerHandle(deadlineAfter(startNanos, `when`.saturatedNanos()), callback)
    }

    private fun timerHandle(deadline: Long, callback: Runnable): TimerHandle {
        val t = TimerHandleImpl(deadline, this, callback)
        addTimer(t)
        return t
    }

    override fun time(): Duration = Duration.ofNanos(System.nanoTime() - startNanos)

    // ----------------------------------------------------------------------------- running

    private fun runOnce() {
        drainInbox()
        if (ready.isEmpty() && dueNow.isEmpty() && !stopping) {
            val timeout = nextTimerDelay()
            if (timeout != 0L) {
                tasks.idle()
                park(timeout)
                drainInbox()
            }
        }
        if (Thread.interrupted()) {
            interruptedWhileRunning = true
            onInterrupt?.invoke()
        }
        pollUnretrieved()
        sweepCancelledTimers()
        if (timers.isNotEmpty()) moveDueTimers() // no clock read in a step without timers (System.nanoTime costs ~20 ns)
        while (dueNow.isNotEmpty()) ready.addLast(dueNow.removeFirst()) // after the timers due by now
        var n = ready.size
        while (n-- > 0) {
            val r = ready.removeFirst()
            if (!singleThread && r !is TimerEntry) {
                enqueue(r) // kept from a time without a run: to a worker now
                continue
            }
            runningStep = r
            if (options.debug()) runTimed(r) else runSafely(r)
            runningStep = null
        }
    }

    /** Moves the timers that are due to the ready queue, in deadline order. */
    private fun moveDueTimers() {
        val now = System.nanoTime()
        while (true) {
            val t = timers.peek() ?: break
            if (t.deadline > now) break
            timers.poll()
            leftHeap(t)
            if (t.isTimerCancelled) continue // dropped
            if (!singleThread && t is TimerHandleImpl) enqueue(t) else ready.addLast(t)
        }
    }

    /** Runs an internal runnable (a timer entry, a task start, a coroutine step). */
    private fun runSafely(r: Runnable) {
        try {
            r.run()
        } catch (e: Throwable) {
            callExceptionHandler(ExceptionContext("Exception in callback $r", e, null))
        }
    }

    private fun runTimed(r: Runnable) {
        val start = System.nanoTime()
        runSafely(r)
        val took = System.nanoTime() - start
        if (took > options.slowCallbackThreshold().toNanos()) {
            LOG.log(System.Logger.Level.WARNING, "Executing $r took ${took / 1_000_000} ms")
        }
    }

    /** -1 for no timer (park until woken), 0 for one due, else nanoseconds until the first. */
    private fun nextTimerDelay(): Long {
        val t = timers.peek() ?: return -1
        return saturatedDifference(t.deadline, System.nanoTime()).coerceAtLeast(0)
    }

    private var interruptedWhileRunning = false

    /**
     * How many times the loop's next idle wait may spin (Thread.onSpinWait) for work to arrive
     * before it parks; 0 after that wait. Set by a step that expects another thread to hand it work
     * within microseconds (a walk's producer waiting for room that a consumer thread is making),
     * since waking a parked thread costs tens of microseconds on an idle machine. The loop's
     * thread's only.
     */
    @JvmField var spinsBeforePark = 0

    /** How many times the idle loop spun, and parked, waiting for work (its thread's only; read by tests). */
    @JvmField var idleSpins = 0L
    @JvmField var idleParks = 0L

    private fun park(timeoutNanos: Long) {
        val limit = spinsBeforePark
        if (limit > 0) {
            spinsBeforePark = 0
            var spins = 0
            while (spins < limit && inbox.isEmpty() && !stopping) {
                Thread.onSpinWait()
                spins++
            }
            idleSpins += spins
            if (!inbox.isEmpty() || stopping) return
        }
        idleParks++
        sleeping = true
        try {
            if (inbox.isEmpty() && !stopping) {
                if (timeoutNanos < 0) LockSupport.park(this) else LockSupport.parkNanos(this, timeoutNanos)
            }
        } finally {
            sleeping = false
        }
    }

    private var onInterrupt: (() -> Unit)? = null

    /**
     * Runs steps on the calling thread until [stop]; [interrupt] is what an interrupt of the
     * thread means for this run. The interrupt flag is set again at the end if it was interrupted.
     * [started] runs once this call owns the loop, so that a refused call leaves nothing behind.
     */
    private fun runLoop(started: () -> Unit = {}, interrupt: () -> Unit) {
        val me = Thread.currentThread()
        checkMayRun()
        synchronized(this) {
            checkOpen()
            // A close() under way on another thread owns the loop: a run from here would make that
            // close fail ("already running") after it had cancelled every task, and leave the loop
            // open (found from outside on 2026-12-06: 5-20 rounds in 100 of close() racing
            // runUntilComplete())
            if (closing && closingThread !== me) throw IllegalStateException("loop is closed")
            check(thread == null) { "the loop is already running" }
            thread = me
        }
        val previousOwner = Current.enterLoop(this)
        onInterrupt = interrupt
        interruptedWhileRunning = Thread.interrupted()
        try {
            if (!singleThread) dispatching = true
            started()
            if (interruptedWhileRunning) interrupt()
            do {
                runOnce()
            } while (!stopping)
        } finally {
            if (!singleThread) endDispatching()
            stopping = false
            onInterrupt = null
            drainInbox() // what arrived while stopping stays scheduled, in order, for the next run
            val interrupted = interruptedWhileRunning
            tasks.endOfRun()
            thread = null // hands the loop over: from here on another thread may run it
            Current.exitLoop(previousOwner)
            if (interrupted) me.interrupt()
        }
    }

    /** Refuses a run on a thread that runs this loop or another one (a callback's), or while another thread runs it. */
    private fun checkMayRun() {
        val running = Current.get()
        if (running === this) throw IllegalStateException("the loop is already running, on this thread: a callback cannot run its own loop")
        if (running is EventLoop) throw IllegalStateException("cannot run a loop while another loop is running on this thread")
        check(thread == null) { "the loop is already running" }
    }

    override fun <T> runUntilComplete(future: CompletionStage<T>?): T {
        requireArgument(future, "future", "Loop.runUntilComplete")
        checkOpen()
        checkMayRun() // before the stage becomes a task of the loop: a refused call leaves nothing behind
        val task = adoptStage(future)
        var stopWhenDone: DisposableHandle? = null
        try {
            // registered only once the loop is ours: a done task would stop a loop run by someone else.
            // The stop is a callback, as asyncio's _run_until_complete_cb: the task's own done
            // callbacks, scheduled when it completed, run before the loop stops.
            runLoop(interrupt = { task.cancel() }, started = { stopWhenDone = task.onDone { enqueue(stopCallback) } })
        } finally {
            stopWhenDone?.dispose()
        }
        if (!task.isDone) throw IllegalStateException("the loop stopped before the task completed")
        return task.outcomeForAwait()
    }

    override fun runForever() {
        checkOpen()
        runLoop { stop() }
    }

    override fun stop() {
        stopping = true
        wake()
    }

    private val stopCallback = Runnable { stop() }

    override fun isRunning(): Boolean = thread != null

    override fun isClosed(): Boolean = closed

    // ------------------------------------------------------------------------------- close

    override fun close() {
        if (closed) return
        val owner = Current.get()
        if (owner is TaskImpl<*> && owner.eventLoop === this) throw IllegalStateException("cannot close a loop from one of its own tasks")
        // Under DEFAULT_DISPATCHER a callback (or a non-blocking body) runs on a worker marked as the
        // loop's, whether or not a thread runs the loop: refused before anything is cancelled
        if (owner === this && !singleThread) throw IllegalStateException("cannot close a loop from one of its own callbacks or tasks")
        val me = Thread.currentThread()
        while (true) {
            val closedElsewhere = synchronized(this) {
                if (closed) return
                if (closing) {
                    // a callback that the closing runs (a done callback, the exception handler): refused, as a
                    // callback's close is under DEFAULT_DISPATCHER (asyncio: "Cannot close a running event
                    // loop"). Before 2026-12-07 it returned with the loop still open (found from outside)
                    if (closingThread === me) throw IllegalStateException("cannot close a loop from a callback that its close runs: the loop is closing")
                    true
                } else {
                    if (thread != null) throw IllegalStateException("cannot close a running loop: call stop() first")
                    closing = true
                    closingThread = me
                    false
                }
            }
            if (!closedElsewhere) break
            // Another thread's close: this one returns once the loop is closed. If that close failed
            // (it ran on a thread running another loop, say), this one closes the loop itself, or
            // throws why it cannot: before (found in review on 2026-12-06) it returned as if the loop
            // were closed, while it was still open.
            awaitOtherClose()
        }
        val wasInterrupted = Thread.interrupted()
        try {
            cancelAndAwaitAllTasks()
            reportAllUnretrieved()
            defaultPool?.let { shutdownAndWait(it) }
            platformPool?.let { shutdownAndWait(it) }
            awaitBlockingTasksGone()
            closed = true
            tasks.closed()
            for (t in timers) disposeOnClose(t)
            for (r in dueNow) disposeOnClose(r)
            for (r in ready) disposeOnClose(r)
            ready.clear()
            timers.clear()
            dueNow.clear()
            while (true) disposeOnClose(inbox.poll() ?: break)
            takenAtClose?.forEach(::disposeOnClose)
            takenAtClose = null
            awaitEndedByTheClose()
        } catch (e: Throwable) {
            synchronized(this) {
                // e.g. refused on another loop's thread: a later close() may try again, and a close()
                // waiting for this one does (awaitOtherClose)
                refusingAll = false
                refusingExecute = false
                closingThread = null
                closing = false
            }
            throw e
        } finally {
            // only if still ours: after a failure, a waiting close() may have taken the closing over
            synchronized(this) { if (closingThread === me) closingThread = null }
            if (wasInterrupted) Thread.currentThread().interrupt()
        }
    }

    /**
     * Waits while another thread's close() runs, until it has closed the loop or failed. An interrupt
     * does not end the wait (it would spin: a park returns at once while the flag is set); it is set
     * again at the end.
     */
    private fun awaitOtherClose() {
        var interrupted = false
        while (closing && !closed) {
            LockSupport.parkNanos(this, 1_000_000)
            if (Thread.interrupted()) interrupted = true
        }
        if (interrupted) Thread.currentThread().interrupt()
    }

    /**
     * Completions of this loop's tasks under way on threads that run no step of it (TaskImpl.complete):
     * counted from before the task is done until its completion handlers, which queue its done
     * callbacks, have run. A task completed there is done, so no longer among the pending tasks that
     * close() cancels and waits for, while that thread may still be about to queue its done
     * callbacks: before 2026-12-06 a close could end first and the callback, queued on the closed
     * loop, never ran (a main that saw such a task done and returned: every time in
     * DoneCallbackOfATaskCompletedElsewhereAtTheCloseTest; a likely cause of the done callback
     * KotlinTaskCancelMatrixTest lost once in a full-suite run). As for a
     * blocking task's thread, a handler there that waits for the loop to run something, or calls
     * close() itself, keeps the close waiting.
     */
    @JvmField val completionsElsewhere = AtomicInteger()

    /**
     * Waits for the threads of blocking tasks that are done but still running their completion
     * handlers, and for the other threads completing a task of this loop ([completionsElsewhere]),
     * usually a few microseconds each: spins briefly, then yields, then parks, never at 100 % of
     * a core for long. Such a blocking task is still in [tasks] (it leaves them after its handlers ran); a
     * blocking task of a TaskGroup is not, but its mirror job completes only after them, and the
     * group, which is, is done only after its tasks' jobs.
     */
    private fun awaitBlockingTasksGone() {
        var spins = 0
        while (tasks.holdsBlockingTask() || completionsElsewhere.get() != 0) {
            when {
                spins < 100 -> Thread.onSpinWait()
                spins < 200 -> Thread.yield()
                else -> LockSupport.parkNanos(100_000)
            }
            spins++
        }
    }

    /** Shuts [pool] down and waits for it; an interrupt cannot stop a close: it is set again at the end. */
    private fun shutdownAndWait(pool: ExecutorService) {
        pool.shutdown()
        var interrupted = Thread.interrupted()
        try {
            while (true) {
                try {
                    if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                        // and until its threads have exited, not only finished their work
                        if (((pool as? java.util.concurrent.ThreadPoolExecutor)?.threadFactory as? Threads.Daemons)?.awaitExited() == true) interrupted = true
                        return
                    }
                    LOG.log(System.Logger.Level.WARNING, "aio4j loop $number: still waiting for its thread pool to finish")
                } catch (e: InterruptedException) {
                    interrupted = true
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt()
        }
    }

    /**
     * asyncio.run's _cancel_all_tasks, repeated until no task is left (tasks may start tasks as they
     * end). Then one more step for the callbacks already scheduled, as asyncio.run's closing steps
     * do: the done callbacks of the tasks that just ended (of main, too) are queued from the
     * threads that completed them, often just after the step that saw the last task end. What
     * that step schedules in turn is dropped, as asyncio's loop.close drops it, except what
     * execute() accepted: execute() refuses from then on, and every command it accepted runs, in a
     * last step (an exit stack's closing, going on from a close that completed on another thread,
     * must not be dropped halfway; Executor's contract).
     */
    private fun cancelAndAwaitAllTasks() {
        var lastStepDone = false
        while (true) {
            val jobs: List<Job> = rootJob.children.toList()
            val pendingTasks: List<TaskImpl<*>> = tasks.pending()
            if (jobs.isEmpty() && pendingTasks.isEmpty()) {
                if (!refusingAll) {
                    refusingAll = true // then read the children again: a task attached meanwhile is seen, or refused
                    continue
                }
                // a blocking task's thread calls its task's completion handlers, which queue the done
                // callbacks, after the task is done: wait for those threads to be through
                awaitBlockingTasksGone()
                if (lastStepDone || (ready.isEmpty() && dueNow.isEmpty() && inbox.isEmpty())) {
                    // From now on execute() refuses (or takes back what it queued and refuses); what it
                    // accepted before runs in one more step: in the queues still, or queued meanwhile.
                    // The rest that the last step scheduled is dropped, as asyncio's loop.close drops it.
                    refusingExecute = true
                    while (true) {
                        val accepted = takeAccepted()
                        if (accepted.isEmpty()) return
                        ready.addAll(accepted)
                        stop()
                        runLoop { }
                        // again: a command whose execute() passed the flag before it was set may have
                        // reached the inbox during that step, and the step's end moved it to ready
                        // (lost 1 round in 100 on CI, 2026-12-05)
                    }
                }
                lastStepDone = true
                drainInboxToMark()
                stop()
                runLoop { }
                continue
            }
            // The sweep is made with the loop running, at the start of the run that waits for its
            // tasks (this thread is the loop's thread then): what the cancellations run at once (a
            // non-blocking body's handlers, reached through its chain of tasks) sees the loop as
            // Loop.current() and may schedule on it, as asyncio.run's clean-up runs in the loop and
            // may await. Before (found from outside on 2026-12-06) the sweep ran here, before the
            // run, where both threw "no running event loop" (CleanUpDuringCloseTest). Within the
            // sweep the order is the same as it was: the cancellations, then the waits.
            runLoop(started = { sweep(jobs, pendingTasks) }) { } // interrupts cannot stop a close; the flag is set again at its end
        }
    }

    /**
     * One sweep of close(), at the start of the run that waits for it: cancels [jobs] and
     * [pendingTasks], those whose body has not started first, then has the run stop once they have
     * all completed. The waits are registered after the cancellations, as they were before the
     * sweep moved into the run: a handler that a cancel() registers on a task (a done callback that
     * a clean-up adds) runs before the one that lets the run stop, and has queued what it queues.
     */
    private fun sweep(jobs: List<Job>, pendingTasks: List<TaskImpl<*>>) {
        // Bodies that have not started are cancelled first, before any interrupt frees a thread: a
        // to_thread task queued behind a full pool (or a runInExecutor one behind a busy executor)
        // would otherwise start its body on a thread that the interrupt of a task cancelled before
        // it had just freed (9 of 10 queued bodies ran, found from outside on 2026-12-06). Its
        // cancel() later in this sweep does nothing more.
        for (task in pendingTasks) if (task.bodyNotStarted()) task.cancelForClose("the loop is closing")
        for (job in jobs) (job as? TaskJob<*>)?.task?.let { if (it.bodyNotStarted()) it.cancelForClose("the loop is closing") }
        for (job in jobs) {
            if (job is TaskJob<*>) job.task.cancelForClose("the loop is closing") else job.cancel(null)
        }
        for (task in pendingTasks) task.cancelForClose("the loop is closing") // one done meanwhile keeps its failure's report
        val left = AtomicInteger(jobs.size + pendingTasks.size)
        for (job in jobs) {
            job.invokeOnCompletion { if (left.decrementAndGet() == 0) stop() }
        }
        for (task in pendingTasks) {
            task.onDone { if (left.decrementAndGet() == 0) stop() }
        }
    }

    /**
     * close()'s last steps: what execute() accepted, taken from the queues, which are emptied of the
     * other callbacks. The inbox is taken up to its end as marked here: an execute() that queues
     * behind the mark takes its command back and refuses (enqueueAccepted), and a thread that keeps
     * calling callSoon cannot keep the close here (it could, before the mark).
     */
    private fun takeAccepted(): List<Runnable> {
        val accepted = ArrayList<Runnable>()
        val taken = takenAtClose ?: ArrayList<Runnable>().also { takenAtClose = it }
        for (r in ready) if (r is HandleImpl && r.accepted) accepted.add(r) else taken.add(r)
        taken.addAll(dueNow)
        val mark = InboxMark()
        inbox.add(mark)
        while (true) {
            val r = inbox.poll() ?: break
            if (r === mark) break
            if (r is HandleImpl && r.accepted) accepted.add(r) else if (r is TimerEntry) insertTimer(r) else taken.add(r) // a timer stays one, for close()
        }
        ready.clear()
        dueNow.clear()
        return accepted
    }

    // ------------------------------------------------------------------------------- tasks

    override fun <T> createTask(body: Callable<out T>?): Task<T> =
        newBlockingTask(null, requireArgument(body, "body", "Loop.createTask"), taskContext, blockingExecutor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun <T> createTask(name: String?, body: Callable<out T>?): Task<T> {
        requireArgument(name, "name", "Loop.createTask")
        return newBlockingTask(name, requireArgument(body, "body", "Loop.createTask"), taskContext, blockingExecutor)
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun <T> createTaskAsync(body: Callable<out CompletionStage<out T>>?): Task<T> =
        newAsyncTask(null, requireArgument(body, "body", "Loop.createTaskAsync"), taskContext)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun <T> createTaskAsync(name: String?, body: Callable<out CompletionStage<out T>>?): Task<T> {
        requireArgument(name, "name", "Loop.createTaskAsync")
        return newAsyncTask(name, requireArgument(body, "body", "Loop.createTaskAsync"), taskContext)
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun createTask(body: ThrowingRunnable?): Task<Void?> =
        newBlockingTask(null, voidBody(requireArgument(body, "body", "Loop.createTask")), taskContext, blockingExecutor)

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun createTask(name: String?, body: ThrowingRunnable?): Task<Void?> {
        requireArgument(name, "name", "Loop.createTask")
        return newBlockingTask(name, voidBody(requireArgument(body, "body", "Loop.createTask")), taskContext, blockingExecutor)
    }

    /** A blocking-style task of this loop; [body] was checked by the public method that calls this. */
    fun <T> newBlockingTask(name: String?, body: Callable<out T>, context: CoroutineContext, executor: Executor): BlockingTask<T> {
        checkOpen()
        return BlockingTask(this, name, body, executor).also { it.start(context) }
    }

    /** A non-blocking task of this loop; [body] was checked by the public method that calls this. */
    fun <T> newAsyncTask(name: String?, body: Callable<out CompletionStage<out T>>, context: CoroutineContext): AsyncBodyTask<T> {
        checkOpen()
        return AsyncBodyTask(this, name, body).also { it.start(context) }
    }

    override fun <T> adopt(stage: CompletionStage<out T>?): Task<T> {
        requireArgument(stage, "stage", "Loop.adopt")
        checkOpen()
        return adoptStage(stage)
    }

    /** The task of [stage]: itself if it is a task of this loop, else a task that follows it. */
    fun <T> adoptStage(stage: CompletionStage<out T>): TaskImpl<T> {
        @Suppress("UNCHECKED_CAST")
        if (stage is TaskImpl<*> && stage.eventLoop === this) return stage as TaskImpl<T>
        return StageTask(this, stage).also { it.start(taskContext) }
    }

    override fun <T> createPromise(): Promise<T> {
        checkOpen()
        return PromiseTask<T>(this).also { it.start(taskContext) }
    }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun <T> runInExecutor(executor: Executor?, body: Callable<out T>?): Task<T> {
        requireArgument(executor, "executor", "Loop.runInExecutor")
        return newBlockingTask(null, requireArgument(body, "body", "Loop.runInExecutor"), taskContext, executor)
    }

    /** asyncio's default executor, made on first use: platform threads for to_thread. */
    fun defaultExecutor(): Executor {
        defaultPool?.let { return it }
        synchronized(this) {
            checkOpen()
            return defaultPool ?: Threads.defaultExecutor("aio4j-loop-$number-to-thread").also { defaultPool = it }
        }
    }

    override fun allTasks(): Set<Task<*>> = LinkedHashSet<Task<*>>().also { all ->
        for (task in tasks.pending()) {
            all.add(task)
            task.job?.let { collectTasks(it, all) }
        }
        collectTasks(rootJob, all)
    }

    /** The tasks not done in the job tree under [job]: a TaskGroup's tasks are children of the group's job. */
    private fun collectTasks(job: Job, into: MutableSet<Task<*>>) {
        for (child in job.children) {
            val task = (child as? TaskJob<*>)?.task
            if (task != null && !task.isDone) into.add(task)
            collectTasks(child, into)
        }
    }

    // ------------------------------------------------------------------------- exceptions

    override fun setExceptionHandler(handler: LoopExceptionHandler?) {
        this.handler = handler
    }

    override fun exceptionHandler(): LoopExceptionHandler? = handler

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // checked here: see Arguments.kt
    override fun callExceptionHandler(context: ExceptionContext?) {
        requireArgument(context, "context", "Loop.callExceptionHandler")
        // LoopExceptionHandler's contract: on the loop's thread; here once the loop no longer runs anything
        if (thread != null && !isLoopThread() && enqueueAccepted(HandleImpl(this, { handleException(context) }, accepted = true))) return
        handleException(context)
    }

    private fun handleException(context: ExceptionContext) {
        val h = handler
        if (h == null) {
            LOG.log(System.Logger.Level.ERROR, describe(context), context.exception())
            return
        }
        try {
            h.handle(this, context)
        } catch (e: Throwable) {
            LOG.log(System.Logger.Level.ERROR, "Unhandled error in the exception handler of $this while handling: ${describe(context)}", e)
        }
    }

    private fun describe(c: ExceptionContext): String = if (c.task() != null) "${c.message()}: ${c.task()}" else c.message()

    fun track(record: Unretrieved) {
        unretrieved.add(record)
    }

    fun untrack(record: Unretrieved) {
        unretrieved.remove(record)
    }

    private fun pollUnretrieved() {
        while (true) {
            val r = unretrievedQueue.poll() as Unretrieved? ?: return
            if (unretrieved.remove(r)) report(r)
        }
    }

    private fun reportAllUnretrieved() {
        pollUnretrieved()
        for (r in unretrieved.toList()) {
            if (unretrieved.remove(r)) report(r)
        }
    }

    private fun report(r: Unretrieved) {
        if (r.retrieved) return
        callExceptionHandler(ExceptionContext("Task exception was never retrieved", r.exception, r.get()))
    }

    override fun toString(): String =
        "Loop-$number(${options.threading()}${if (closed) ", closed" else if (thread != null) ", running" else ""})"

    private companion object {
        /** How many queued items one drain of the inbox moves at most (see drainInbox). */
        const val INBOX_DRAIN_LIMIT = 65_536
        val loopNumbers = AtomicInteger()
        val LOG: System.Logger = System.getLogger("dev.aio4j")
        val TIMER_ORDER = Comparator<TimerEntry> { a, b ->
            val c = a.deadline.compareTo(b.deadline)
            if (c != 0) c else a.seq.compareTo(b.seq)
        }
    }

    /**
     * For tests, while no thread runs the loop (the heap is the running thread's): the count of
     * cancelled timers that the sweep goes by, and how many timers of the heap are cancelled.
     */
    fun cancelledTimerCounts(): IntArray = intArrayOf(cancelledTimers.get(), timers.count { it.isTimerCancelled })

    private fun sweepCancelledTimers() {
        val n = cancelledTimers.get()
        if (n > 100 && n * 2 > timers.size) {
            timers.removeIf { t -> t.isTimerCancelled.also { if (it) leftHeap(t) } }
        }
    }

    /** Loop work on a Dispatchers.Default worker: marks the worker as this loop's while it runs. */
    class OnDefault(@JvmField val loop: EventLoop, @JvmField val block: Runnable) : Runnable {
        override fun run() {
            val previous = Current.enterStep(this)
            try {
                if (loop.options.debug()) loop.runTimed(block) else loop.runSafely(block) // as a single-threaded loop's step: to the exception handler
            } finally {
                Current.exitLoop(previous)
                loop.returnedOnDefault()
            }
        }
    }
}
