/*
 * A task whose body is a Kotlin suspend function, run as a coroutine on the loop's dispatcher:
 * kotlinx's own cancellation (prompt, sticky) applies inside it. Each of its steps on the loop is
 * the task's, for Async.currentTask() (CurrentTaskElement), as each step of an asyncio task's
 * coroutine is.
 */
package dev.aio4j.internal

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.ThreadContextElement
import kotlin.coroutines.CoroutineContext

internal open class CoroutineTask<T> private constructor(
    loop: EventLoop,
    current: CurrentTaskElement,
    context: CoroutineContext,
    name: String?,
    private val block: suspend CoroutineScope.() -> T,
) : TaskImpl<T>(loop, name, RUNNING, context + current) {
    constructor(loop: EventLoop, context: CoroutineContext, name: String?, block: suspend CoroutineScope.() -> T) :
        this(loop, CurrentTaskElement(), context, name, block)

    init {
        current.task = this
    }

    /** How the coroutine starts: DEFAULT, a cancellation before its first step skips the body. */
    protected open val startMode: CoroutineStart get() = CoroutineStart.DEFAULT

    override fun onStart() {
        val own = job!!
        own.start(startMode, own, block) // its outcome reaches the task through TaskJob.onCompleted/onCancelled
    }
}

/**
 * A [CoroutineTask] whose body runs even if it was cancelled before its first step, up to its first
 * suspension, which then throws the cancellation (CoroutineStart.ATOMIC): for a body that owns
 * what it waits for from its first line, as an exit stack's entering owns its opening. Skipped, that
 * body neither cancelled the opening, nor waited for it, nor closed what it brought anyway (found
 * from outside on 2026-12-05).
 */
internal class OwningCoroutineTask<T>(loop: EventLoop, context: CoroutineContext, block: suspend CoroutineScope.() -> T) :
    CoroutineTask<T>(loop, context, null, block) {
    // delicate: the body must handle its first suspension's cancellation, which awaitOpened does
    @OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class)
    override val startMode: CoroutineStart get() = CoroutineStart.ATOMIC
}

/**
 * Makes a [CoroutineTask]'s task the loop's running task while a step of its coroutine (or of a
 * coroutine launched inside it, which inherits the element) runs on the loop, and restores the
 * previous one after the step: Async.currentTask() is the task at every step, not only at a
 * non-blocking Java body's own call (callAsyncBody). A step on another dispatcher runs on a thread
 * that is not the loop's, which no task is marked on (as a plain callback's): nothing is set
 * there, since the loop's running task belongs to the loop's thread alone. Costs one thread check
 * and two field writes per resumption (kotlinx calls it around each dispatched step).
 */
internal class CurrentTaskElement : ThreadContextElement<Any?> {
    /** The task: set by its constructor, before the coroutine can start. */
    @JvmField var task: TaskImpl<*>? = null

    override val key: CoroutineContext.Key<*> get() = Key

    override fun updateThreadContext(context: CoroutineContext): Any? {
        val task = task!!
        val loop = task.eventLoop
        if (!loop.isLoopThread()) return NOT_HERE
        val previous = loop.runningTask
        loop.runningTask = task
        return previous
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: Any?) {
        if (oldState !== NOT_HERE) task!!.eventLoop.runningTask = oldState as TaskImpl<*>?
    }

    companion object Key : CoroutineContext.Key<CurrentTaskElement> {
        private val NOT_HERE = Any()
    }
}
