/*
 * What a Kotlin user gets from task.await() with both aio4j's and kotlinx's imported explicitly.
 */
package dev.aio4j.kotlin.resolution.bothexplicit

import dev.aio4j.Task
import dev.aio4j.kotlin.await
import kotlinx.coroutines.future.await

suspend fun awaitIt(task: Task<Int>): Int = task.await()

suspend fun awaitStage(stage: java.util.concurrent.CompletionStage<Int>): Int = stage.await()
