/*
 * The void forms of the task factories (createTask(ThrowingRunnable)): the body as a Callable of
 * null, so that a void task is a blocking task like any other.
 */
package dev.aio4j.internal

import dev.aio4j.ThrowingRunnable
import java.util.Objects
import java.util.concurrent.Callable

internal fun voidBody(body: ThrowingRunnable): Callable<Void?> {
    Objects.requireNonNull(body, "body")
    return Callable {
        body.run()
        null
    }
}
