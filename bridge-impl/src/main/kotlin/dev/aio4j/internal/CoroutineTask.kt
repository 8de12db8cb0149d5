/*
 * A task whose body is a Kotlin suspend function, run as a coroutine on the loop's dispatcher:
 * kotlinx's own cancellation (prompt, sticky) applies inside it.
 */
package dev.aio4j.internal

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlin.coroutines.CoroutineContext

internal class CoroutineTask<T>(
    loop: EventLoop,
    context: CoroutineContext,
    name: String?,
    block: suspend CoroutineScope.() -> T,
) : TaskImpl<T>(loop, context, name, RUNNING, runsCoroutine = true) {
    init {
        job.attach(context[Job])
        job.start(CoroutineStart.DEFAULT, job) { block().also { slot = it } } // stored before the job completes
    }
}
