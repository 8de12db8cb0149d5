/*
 * Kotlin code a mixed team writes against aio4j: an async generator whose body chains on the
 * emitter's task (emitAsync(i).thenApply { ... }: an inferred Task<@Nullable Void> type, whose
 * annotation the compiler must read), walked as a Flow, and a Java-style task awaited from a
 * coroutine.
 */
package example

import dev.aio4j.Async
import dev.aio4j.Task
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.asFlow
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import dev.aio4j.stream.AsyncIterable
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.toList

fun main() {
    val result = Async.run { loop ->
        val numbers = AsyncIterable.generateAsync<Int> { out ->
            val first = out.emitAsync(1).thenApply { 1 }
            first.thenCompose { out.emitAsync(2) }.thenCompose { CompletableFuture.completedFuture(null) }
        }
        val doubled: Task<Int> = loop.createTask<Int> { 21 * 2 } // the type argument picks the Callable form
        CoroutineScope(loop.asCoroutineDispatcher()).task {
            numbers.asFlow().toList() + doubled.await()
        }.join()
    }
    check(result == listOf(1, 2, 42)) { "the Kotlin consumer got $result" }
    println("Kotlin consumer: $result")
}
