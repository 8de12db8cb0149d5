/*
 * Calling a Kotlin suspend function from Java: the function gets a Continuation of ours and either
 * returns its value (or throws) at once, or returns COROUTINE_SUSPENDED and resumes the
 * continuation later. Both are handled; a bridge that waits only for the continuation hangs on
 * the first kind.
 *
 * The continuation (JavaCall) is small and makes its task only when needed: when the function
 * asks for its context (any function that calls another suspend function does, at entry) or when
 * it suspends. A function that returns at once without looking at its context costs this object
 * and, for Suspend.call, one completed task; for Suspend.join nothing but the result.
 *
 * The task (SuspendTask) is the function's coroutine: its job is the Job in the function's
 * context, so cancelling the task cancels whatever the function waits in (kotlinx's cancellable
 * suspensions listen to that job), and the task completes when the function resumes the
 * continuation: with its result, its exception (the same instance), or its CancellationException.
 * A task is a child of the loop's root once the function has suspended, so that closing the loop
 * cancels it; before that it has no parent (a call that never suspends never joins the tree).
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
        val site = callSite
        if (site != null) result.exceptionOrNull()?.takeIf { it !is java.util.concurrent.CancellationException }?.addSuppressed(site)
        task().tryFinish(result)
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
         * child of the loop's root, or the value; throws what the function threw.
         */
        fun <T> start(call: JavaCall<T>, body: SuspendCall<T>): Any? {
            val returned = body.invoke(call)
            if (returned === COROUTINE_SUSPENDED) {
                val task = call.task()
                task.suspended = true
                task.start(call.loop.taskContext) // a child of the loop's root
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
                Result.failure(e)
            }
            val made = call.task ?: return DoneTask.of(loop, result)
            made.tryFinish(result)
            return made
        }

        /**
         * Suspend.join: the value, on the calling thread; a function that suspends parks the
         * thread once until it resumes. An interrupt cancels the call and waits for it to end.
         */
        fun <T> callAndJoin(loop: EventLoop, body: SuspendCall<T>): T {
            Current.checkMayBlock("Suspend.join()")
            loop.checkOpen()
            val call = JavaCall<T>(loop)
            val returned = try {
                start(call, body)
            } catch (e: Throwable) {
                throw Runs.unchecked(e, "the suspend function")
            }
            @Suppress("UNCHECKED_CAST")
            if (returned !== COROUTINE_SUSPENDED) return returned as T
            val task = call.task()
            try {
                return Blocking.join(task, -1)
            } catch (e: Throwable) {
                // The function failed on the loop's thread: its stack shows the Kotlin frames only.
                // The Java caller's frames are added to the same instance, as a suppressed exception.
                task.exceptionOrNull()?.let { task.addCallerFrames(it, "Suspend.join() was called here") }
                throw e
            }
        }
    }
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
    /** Set once the function has suspended: a failure from then on is raised on the loop's thread. */
    @Volatile @JvmField var suspended = false

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
