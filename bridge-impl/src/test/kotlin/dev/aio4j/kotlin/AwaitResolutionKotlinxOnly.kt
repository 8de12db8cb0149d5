/*
 * What a Kotlin user gets from task.await() with kotlinx's import only (no aio4j import), and with
 * kotlinx's explicit import beside aio4j's star import (an explicit import wins over a star one).
 */
package dev.aio4j.kotlin.resolution.kotlinxonly

import dev.aio4j.Task
import dev.aio4j.kotlin.*
import kotlinx.coroutines.future.await

suspend fun awaitIt(task: Task<Int>): Int = task.await()

fun loopDispatcher(loop: dev.aio4j.Loop) = loop.asCoroutineDispatcher()
