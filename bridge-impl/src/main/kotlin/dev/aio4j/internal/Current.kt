/*
 * Which loop and task the calling thread belongs to: the EventLoop on the loop's own thread (or on
 * a Dispatchers.Default worker while it runs loop work), the BlockingTask on the thread that runs
 * its body, or nothing.
 *
 * A loop's thread is marked with a thread-local. A task's thread is marked without one: while its
 * body runs, the task is the thread's uncaught-exception handler, a field every Thread already
 * has. A thread-local on each new virtual thread would cost a ThreadLocalMap (about 136 bytes per
 * pending blocking task, a seventh of the task's footprint) and its creation time; the handler
 * costs nothing, and the task never lets an exception escape its body anyway (it delegates to
 * the handler it replaced if one ever did). A body that installs its own handler on its thread
 * loses Loop.current() and Async.currentTask(), nothing else. A thread that keeps no handler (the
 * JDK's common pool's from JDK 24 on) has its task in the thread-local instead ([markTask]).
 */
package dev.aio4j.internal

import java.util.concurrent.CancellationException
import kotlin.coroutines.Continuation
import kotlinx.coroutines.Job

internal object Current {
    /** The loop whose thread this is, or the step (EventLoop.OnDefault) a Dispatchers.Default worker runs for one. */
    private val local = ThreadLocal<Any?>()

    fun get(): Any? {
        val handler = Thread.currentThread().uncaughtExceptionHandler
        if (handler is BlockingTask<*>) return handler
        val here = local.get()
        return if (here is EventLoop.OnDefault) here.loop else here
    }

    /** Marks a Dispatchers.Default worker as [step]'s loop's while it runs [step]; returns what [exitLoop] restores. */
    fun enterStep(step: EventLoop.OnDefault): Any? {
        val previous = local.get()
        local.set(step)
        return previous
    }

    /** Marks the calling thread as [loop]'s while it runs it; returns what [exitLoop] restores. */
    fun enterLoop(loop: EventLoop): Any? {
        val t = Thread.currentThread()
        val handler = t.uncaughtExceptionHandler
        val taskHere = handler as? BlockingTask<*> // a loop run by a task's body: the loop wins meanwhile
        if (taskHere != null) t.uncaughtExceptionHandler = taskHere.replacedHandler
        val previousLoop = local.get()
        local.set(loop)
        return if (taskHere != null) taskHere else previousLoop
    }

    fun exitLoop(previous: Any?) {
        if (previous is BlockingTask<*>) {
            val t = Thread.currentThread()
            t.uncaughtExceptionHandler = previous
            if (t.uncaughtExceptionHandler === previous) local.remove() else local.set(previous) // see markTask
        } else if (previous == null) {
            local.remove()
        } else {
            local.set(previous) // a loop, or a worker's step
        }
    }

    /**
     * Marks the calling thread as [task]'s in the thread-local, on a thread whose
     * setUncaughtExceptionHandler keeps nothing (ForkJoinPool.commonPool()'s threads from JDK 24 on,
     * InnocuousForkJoinWorkerThread): without it a runInExecutor body there had no Loop.current(),
     * no Async.currentTask() and no Async.timeout (RunInExecutorOnTheCommonPoolTest; found from
     * outside). Returns what [unmarkTask] puts back.
     */
    fun markTask(task: BlockingTask<*>): Any? {
        val previous = local.get()
        local.set(task)
        return previous
    }

    fun unmarkTask(previous: Any?) {
        if (previous == null) local.remove() else local.set(previous)
    }

    fun loopOrNull(): EventLoop? = when (val c = get()) {
        is EventLoop -> c
        is TaskImpl<*> -> c.eventLoop
        else -> null
    }

    fun loop(): EventLoop = loopOrNull() ?: throw IllegalStateException(
        "no running event loop: call this inside Async.run, in a task's body or on a loop's thread",
    )

    /**
     * The current task: a blocking task's thread's; on a loop's thread, the task whose non-blocking
     * body is being called, else the task whose Kotlin coroutine the running step resumes (found
     * from the step, so that nothing is paid per step but a plain store: a ThreadContextElement
     * that set the task around each resumption cost 40 ns per resumption, +67 % on a coroutine
     * that suspends once per call).
     */
    fun task(): TaskImpl<*>? {
        val handler = Thread.currentThread().uncaughtExceptionHandler
        if (handler is BlockingTask<*>) return handler
        return when (val here = local.get()) {
            is BlockingTask<*> -> here // see markTask
            is EventLoop -> here.runningTask ?: taskOfStep(here.runningStep)
            is EventLoop.OnDefault -> here.loop.runningTask ?: taskOfStep(here.block)
            else -> null
        }
    }

    /**
     * The task whose coroutine [step] resumes: the nearest task up the job tree from the
     * coroutine's job (a coroutine launched inside a task's coroutine is the task's too, as a
     * coroutine awaited by an asyncio task runs as that task). A plain callback runs in none.
     */
    @OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class) // Job.parent
    private fun taskOfStep(step: Runnable?): TaskImpl<*>? {
        val continuation = when (step) {
            is ResumeTimer -> step.continuation // a delay's end, resumed in the timer's own step
            is Continuation<*> -> step // kotlinx dispatches a coroutine's resumption as its continuation
            else -> return null
        }
        var job = continuation.context[Job]
        while (job != null) {
            if (job is TaskJob<*>) return job.task
            job = job.parent
        }
        return null
    }

    fun isLoopThread(): Boolean = get() is EventLoop

    /** Refuses a blocking call on a loop's own thread, where it would stall every callback. */
    fun checkMayBlock(what: String) {
        if (get() is EventLoop) {
            throw IllegalStateException(
                "$what would block the event loop's thread and with it every callback and task of the loop: " +
                    "compose without blocking there (createTaskAsync, thenCompose, sleepAsync), " +
                    "or call it from a blocking-style task (loop.createTask) or Async.toThread",
            )
        }
    }

    /**
     * The exception for a blocking call ended by an interrupt: the calling task's own
     * cancellation if it is being cancelled, else a new one. On a thread that is not a task's, the
     * interrupt flag is set again, so that the interrupt is not lost. The new one says what asked
     * (before 2026-12-07 it said the task was being cancelled, which it was not: an Async.timeout
     * that fired gave the body, and the AsyncTimeoutException's cause, that message).
     */
    fun cancellationForInterrupt(what: String): CancellationException {
        val task = get() as? TaskImpl<*>
        if (task != null) {
            if (task.isCancelling()) return task.cancellationCause()
            return CancellationException("$what was interrupted: a cancellation of ${task.name()}'s wait (a timeout or task group scope, or Thread.interrupt())")
        }
        Thread.currentThread().interrupt()
        return CancellationException("$what was interrupted")
    }
}
