/*
 * In Kotlin a member always wins over an extension: if Task had a blocking member named await(),
 * `task.await()` in a coroutine would call it instead of kotlinx's suspending
 * CompletionStage<T>.await(), blocking the coroutine's thread (a deadlock on a single-threaded
 * dispatcher) without a warning. Task's blocking wait is join(), so `task.await()` suspends.
 */
package dev.aio4j

import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.future.asCompletableFuture
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class KotlinAwaitTest {

    @Test
    fun taskAwaitInACoroutineOnASingleThreadedDispatcherSuspendsAndFinishes() {
        val executor = Executors.newSingleThreadExecutor()
        val loop = Async.newLoop()
        try {
            val promise = loop.createPromise<String>()
            val task: Task<String> = promise
            val scope = CoroutineScope(executor.asCoroutineDispatcher())
            // Started first on the one thread: it must suspend in await() for the completer to run.
            val awaiter = scope.async(start = CoroutineStart.DEFAULT) { task.await() + " after await" }
            scope.launch { promise.complete("completed by a second coroutine") }
            try {
                assertEquals(
                    "completed by a second coroutine after await",
                    awaiter.asCompletableFuture().get(10, TimeUnit.SECONDS),
                    "a blocking await() would have held the only thread, and the completer never ran",
                )
            } finally {
                promise.cancel() // frees the thread if await() had blocked it
            }
        } finally {
            loop.close()
            executor.shutdownNow()
        }
    }
}
