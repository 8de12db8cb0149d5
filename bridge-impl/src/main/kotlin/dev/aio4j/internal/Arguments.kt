/*
 * Argument checks of the public entry points that Kotlin classes implement (Loop, Task, Promise,
 * TaskGroup). Their parameters are declared nullable, so that Kotlin's own parameter assertion
 * (whose message names the internal class: "method dev.aio4j.internal.EventLoop.callSoon,
 * parameter callback") never runs, and a null gets a NullPointerException naming the parameter
 * and the public method instead: "callback (Loop.callSoon)", as Async's checks read.
 */
@file:OptIn(ExperimentalContracts::class)

package dev.aio4j.internal

import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.contract

/** [value], or a NullPointerException "[name] ([method])" if it is null. */
internal fun <T : Any> requireArgument(value: T?, name: String, method: String): T {
    contract { returns() implies (value != null) }
    return value ?: throw NullPointerException("$name ($method)")
}
