/*
 * The coroutine context of the loop's tasks: the loop's exception handler, a job, and the loop's
 * dispatcher, in one small object. The loop's taskContext is one (its job is the root), and so is
 * the context of every task coroutine made on it (a Suspend.call function's, a coroutine body's):
 * taskContext + job makes a LoopContext with that job, one allocation and no walk, where kotlin's
 * generic plus folds and rebuilds a chain of CombinedContexts and every later lookup walks it.
 *
 * It is a CoroutineContext as kotlin defines one: get finds an element by its key (polymorphic
 * keys too, as CoroutineDispatcher's), fold visits the elements in CombinedContext's order (the
 * interceptor last), minusKey and any other plus give kotlin's own contexts.
 */
package dev.aio4j.internal

import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.Job

internal class LoopContext(
    @JvmField val handler: CoroutineExceptionHandler,
    @JvmField val job: Job,
    @JvmField val dispatcher: CoroutineDispatcher,
) : CoroutineContext {

    @Suppress("UNCHECKED_CAST")
    override fun <E : CoroutineContext.Element> get(key: CoroutineContext.Key<E>): E? = when {
        key === Job -> job as E
        key === ContinuationInterceptor -> dispatcher as E
        key === CoroutineExceptionHandler -> handler as E
        else -> dispatcher[key] ?: job[key] ?: handler[key] // a polymorphic key (CoroutineDispatcher), or none of ours
    }

    override fun <R> fold(initial: R, operation: (R, CoroutineContext.Element) -> R): R =
        operation(operation(operation(initial, handler), job), dispatcher)

    override fun minusKey(key: CoroutineContext.Key<*>): CoroutineContext = when {
        dispatcher[key] != null -> handler + job
        job[key] != null -> handler + dispatcher
        handler[key] != null -> job + dispatcher
        else -> this
    }

    /** With a job: the same context with that job instead (a task's coroutine). Anything else: kotlin's plus. */
    override fun plus(context: CoroutineContext): CoroutineContext =
        if (context is Job) LoopContext(handler, context, dispatcher) else super.plus(context)

    override fun equals(other: Any?): Boolean =
        this === other || other is LoopContext && handler == other.handler && job == other.job && dispatcher == other.dispatcher

    override fun hashCode(): Int = (handler.hashCode() * 31 + job.hashCode()) * 31 + dispatcher.hashCode()

    override fun toString(): String = "[$handler, $job, $dispatcher]"
}
