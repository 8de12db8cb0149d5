/*
 * A task whose body is a Kotlin suspend function, run as a coroutine on the loop's dispatcher:
 * kotlinx's own cancellation (prompt, sticky) applies inside it.
 */
package dev.aio4j.internal

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlin.coroutines.CoroutineContext

internal open class CoroutineTask<T>(
    loop: EventLoop,
    context: CoroutineContext,
    name: String?,
    private val block: suspend CoroutineScope.() -> T,
) : TaskImpl<T>(loop, name, RUNNING, context) {
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
