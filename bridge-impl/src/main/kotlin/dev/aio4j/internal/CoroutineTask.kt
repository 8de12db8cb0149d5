/*
 * A task whose body is a Kotlin suspend function, run as a coroutine on the loop's dispatcher:
 * kotlinx's own cancellation (prompt, sticky) applies inside it.
 */
package dev.aio4j.internal

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlin.coroutines.CoroutineContext

internal class CoroutineTask<T>(
    loop: EventLoop,
    context: CoroutineContext,
    name: String?,
    private val block: suspend CoroutineScope.() -> T,
) : TaskImpl<T>(loop, name, RUNNING, context) {
    override fun onStart() {
        val own = job!!
        own.start(CoroutineStart.DEFAULT, own, block) // its outcome reaches the task through TaskJob.onCompleted/onCancelled
    }
}
