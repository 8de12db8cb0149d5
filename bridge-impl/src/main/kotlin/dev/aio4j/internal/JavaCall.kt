/*
 * Calling a Kotlin suspend function from Java: the function gets a Continuation of ours and either
 * returns its value (or throws) at once, or returns COROUTINE_SUSPENDED and resumes the
 * continuation later. Both are handled; a bridge that waits only for the continuation hangs on
 * the first kind.
 *
 * The continuation (JavaCall) is small and makes its task only when needed: when the function
 * asks for its context (any function that calls another suspend function does, at entry) or when
 * it suspends. A function that returns at once without looking at its context costs this object
 * and one completed task. Suspend.join has a continuation of its own (JoinCall, in JoinLoop.kt),
 * lazy in the same way, whose coroutine runs on the joining thread.
 *
 * The task (SuspendTask) is the function's coroutine: its job is the Job in the function's
 * context, so cancelling the task cancels whatever the function waits in (kotlinx's cancellable
 * suspensions listen to that job), and the task completes when the function resumes the
 * continuation: with its result, its exception (the same instance), or its CancellationException.
 * A task is one of the loop's tasks (LoopTasks) once the function has suspended, so that closing
 * the loop cancels it; before that the loop does not know it (a call that never suspends never
 * joins). Its job has no parent.
 */
package dev.aio4j.internal

import dev.aio4j.kotlin.SuspendCall
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED

internal class JavaCall<T>(@JvmField val loop: EventLoop) : Continuation<T> {
    @Volatile @JvmField var task: SuspendTask<T>? = null

    /** Suspend.call's caller, captured in debug mode only (a stack walk per call otherwise). */
    @JvmField var callSite: CallSite? = null

    override val context: CoroutineContext get() = task().job!!.context

    override fun resumeWith(result: Result<T>) {
        val original = asThrown(result)
        val site = callSite
        if (site != null) original.exceptionOrNull()?.takeIf { it !is java.util.concurrent.CancellationException }?.addSuppressed(site)
        task().tryFinish(original)
    }

    fun task(): SuspendTask<T> {
        task?.let { return it }
        val made = SuspendTask<T>(loop)
        @Suppress("UNCHECKED_CAST")
        return if (TASK.compareAndSet(this, null, made)) made else task as SuspendTask<T>
    }

    override fun toString(): String = "JavaCall(${task ?: loop})"

    companion object {
        private val TASK: AtomicReferenceFieldUpdater<JavaCall<*>, SuspendTask<*>> =
            AtomicReferenceFieldUpdater.newUpdater(JavaCall::class.java, SuspendTask::class.java, "task")

        /**
         * Calls [body] on the calling thread. Returns COROUTINE_SUSPENDED with [call]'s task now a
         * one of the loop's tasks, or the value; throws what the function threw.
         */
        fun <T> start(call: JavaCall<T>, body: SuspendCall<T>): Any? {
            val returned = body.invoke(call)
            if (returned === COROUTINE_SUSPENDED) {
                val task = call.task()
                task.suspended = true
                task.start(call.loop.taskContext) // one of the loop's tasks
            }
            return returned
        }

        /** Suspend.call: a task for the call, born done when the function did not suspend. */
        fun <T> callAsTask(loop: EventLoop, body: SuspendCall<T>): TaskImpl<T> {
            loop.checkOpen()
            val call = JavaCall<T>(loop)
            if (loop.options().debug()) call.callSite = CallSite("Suspend.call() was called here, on ${Thread.currentThread()}")
            val result: Result<T> = try {
                val returned = start(call, body)
                if (returned === COROUTINE_SUSPENDED) return call.task()
                @Suppress("UNCHECKED_CAST")
                Result.success(returned as T)
            } catch (e: Throwable) {
                Result.failure(thrownInstance(e))
            }
            val made = call.task ?: return DoneTask.of(loop, result)
            // The function returned, but a child it launched into its job may still run: the task
            // then waits for it, and must be one of the loop's tasks so that close() cancels it.
            if (made.job?.children?.any() == true) made.start(loop.taskContext)
            made.tryFinish(result)
            return made
        }

        /**
         * Suspend.join: the value, on the calling thread (a blocking task's), which runs the
         * function's resumptions itself (JoinLoop): it parks only while the function waits for
         * another thread. An interrupt cancels the call and waits for it to end.
         */
        fun <T> callAndJoin(body: SuspendCall<T>): T {
            // Small on purpose: inlined into its caller, a call that returns at once allocates no JoinCall.
            val call = JoinCall<T>(joinLoopOfThisThread())
            val returned = try {
                body.invoke(call)
            } catch (thrown: Throwable) {
                val e = thrownInstance(thrown)
                if (call.coroutine == null) throw Runs.unchecked(e, "the suspend function")
                return runOnThread(call, Result.failure(e))
            }
            if (returned === COROUTINE_SUSPENDED) return runOnThread(call, null)
            @Suppress("UNCHECKED_CAST")
            if (call.coroutine != null) return runOnThread(call, Result.success(returned as T))
            @Suppress("UNCHECKED_CAST")
            return returned as T
        }

        /**
         * The calling blocking task's JoinLoop; its loop must be open. Small on purpose, as
         * callAndJoin: inlined, it lets a call that returns at once allocate no JoinCall.
         */
        private fun joinLoopOfThisThread(): JoinLoop {
            val made = (Current.get() as? BlockingTask<*>)?.joinLoop ?: return newJoinLoop()
            made.loop.checkOpen()
            return made
        }

        /** The calling blocking task's first Suspend.join that needs a JoinLoop makes it; refuses a loop's thread. */
        private fun newJoinLoop(): JoinLoop {
            val task = Current.get() as? BlockingTask<*> ?: run {
                Current.loop() // no loop: throws
                Current.checkMayBlock("Suspend.join()") // a loop's thread: throws
                throw IllegalStateException("Suspend.join() needs a blocking-style task's thread")
            }
            return JoinLoop.of(task)
        }

        /**
         * Ends [call] with [result] (null: it suspended and ends when resumed), and runs the
         * thread's JoinLoop until the call, and any child coroutine of it, has finished; its outcome.
         */
        private fun <T> runOnThread(call: JoinCall<T>, result: Result<T>?): T {
            val coroutine = call.coroutine()
            val joinLoop = call.joinLoop
            if (!call.entered) joinLoop.enter() // the coroutine was made on another thread
            try {
                if (result != null) coroutine.resumeWith(result) // the call ended without suspending; its children may not have
                if (!coroutine.done) joinLoop.runUntilDone(coroutine)
                return coroutine.outcome()
            } finally {
                joinLoop.exit()
            }
        }
    }
}

/**
 * [result] with the exception as it was thrown: kotlinx's debug mode (on with -ea) resumes a
 * function that called withContext(another dispatcher) with a copy of a failure, made by its
 * stack-trace recovery ([thrownInstance] undoes it, as the Flow bridge does), and the function
 * ends with that copy. Java gets the instance the Kotlin code threw (before 2026-12-06 it got the
 * copy: 92-100 calls in 100 under -ea, found from outside).
 */
internal fun <T> asThrown(result: Result<T>): Result<T> {
    val e = result.exceptionOrNull() ?: return result
    val original = thrownInstance(e)
    return if (original === e) result else Result.failure(original)
}

/** The Java caller's frames of a call whose failure happened on another thread. */
internal class CallSite(message: String, @JvmField val joiner: Boolean = false) : RuntimeException(message)

/**
 * The task of a suspend call from Java, and the Job of the function's context.
 *
 * A failure raised after the function suspended happens on the loop's thread, so its stack shows
 * the Kotlin frames and the loop, not the Java code waiting for the call. A Task.join() that throws
 * that failure (the same instance, as every join does) adds the joining code's frames to it as a
 * suppressed CallSite, once: the Java side of the trace, as asyncio's traceback shows the awaiting
 * coroutine beside the task's frames. This costs nothing unless the call failed. (A failure thrown
 * before the function suspended was thrown on the caller's thread: its stack has the caller already.
 * A checked one reaches join() wrapped in a TaskFailedException made on the joining thread.)
 */
internal class SuspendTask<T>(loop: EventLoop) : TaskImpl<T>(loop, null, RUNNING, loop.taskContext) {
    /**
     * Set once the function has suspended: a failure from then on is raised on the loop's thread.
     * Plain: it is written before start(), whose update of [status] orders it before the
     * completion that a joiner reads it after (a volatile store was a full fence per call).
     */
    @JvmField var suspended = false

    override val visibleBeforeStart: Boolean get() = true

    override fun join(): T = withJoinerFrames { super.join() }

    @Suppress("WRONG_TYPE_FOR_JAVA_OVERRIDE") // TaskImpl.join(Duration) checks the argument
    override fun join(timeout: java.time.Duration?): T = withJoinerFrames { super.join(timeout) }

    private inline fun withJoinerFrames(join: () -> T): T {
        try {
            return join()
        } catch (e: Throwable) {
            addCallerFrames(e, "Task.join() of a Suspend.call() task was called here")
            throw e
        }
    }

    /** Adds the calling thread's frames to [thrown] if it is this task's failure raised after suspending. */
    fun addCallerFrames(thrown: Throwable, message: String) {
        if (!suspended || thrown is java.util.concurrent.CancellationException) return
        if (thrown !== exceptionOrNull()) return // a TaskFailedException (made here) or a timeout of the join itself
        // Once: a later join finds it there (two joins racing may each add theirs). The scan costs
        // only a failure.
        if (thrown.suppressed.none { it is CallSite && it.joiner }) thrown.addSuppressed(CallSite("$message, on ${Thread.currentThread()}", joiner = true))
    }
}
