/*
 * What a Kotlin user gets from task.await() with aio4j's import only.
 */
package dev.aio4j.kotlin.resolution.aio4jonly

import dev.aio4j.Task
import dev.aio4j.kotlin.await

suspend fun awaitIt(task: Task<Int>): Int = task.await()
