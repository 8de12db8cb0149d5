/*
 * Waiting on a stage from a coroutine without kotlinx's stack-trace recovery: a coroutine resumed
 * with an exception may be handed a copy of it when assertions are on (kotlinx's DEBUG mode), which
 * would break aio4j's rule that an exception arrives as the instance that was thrown. So the
 * outcome travels as a value and is thrown by the caller. Cancelling the coroutine cancels the
 * stage (toCompletableFuture().cancel(false)), as kotlinx's CompletionStage.await does.
 */
package dev.aio4j.internal

import java.util.concurrent.CompletionStage
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume

internal suspend fun <T> awaitOutcome(stage: CompletionStage<T>): Result<T> {
    if (stage is TaskImpl<*> && stage.isDone) {
        stage.markRetrieved()
        @Suppress("UNCHECKED_CAST")
        return stage.resultNow0() as Result<T>
    }
    val cf = stage.toCompletableFuture()
    if (cf.isDone) return cf.handle { v, e -> if (e == null) Result.success(v) else Result.failure(unwrap(e)) }.join()
    return suspendCancellableCoroutine { cont ->
        cf.whenComplete { v, e -> cont.resume(if (e == null) Result.success(v) else Result.failure(unwrap(e))) }
        cont.invokeOnCancellation { cf.cancel(false) }
    }
}
