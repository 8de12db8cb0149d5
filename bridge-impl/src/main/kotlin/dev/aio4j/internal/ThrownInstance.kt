package dev.aio4j.internal

/**
 * The exception that a coroutine's code threw, where kotlinx handed on a copy of it: with assertions
 * on (kotlinx's debug mode) a coroutine resumed with an exception (a flow's collector after a
 * flowOn's or a channelFlow's producer failed, or after an exception crossed their channel) gets a
 * copy whose cause is the original and whose stack trace holds kotlinx's artificial frames (class
 * names in the package `_COROUTINE`): kotlinx's own unwrap, which is internal. aio4j's rule is that an
 * exception reaches Java as the instance that was thrown.
 */
internal fun thrownInstance(e: Throwable): Throwable {
    var x = e
    while (true) {
        val cause = x.cause ?: return x
        if (cause.javaClass != x.javaClass || x.stackTrace.none { it.className.startsWith("_COROUTINE") }) return x
        x = cause
    }
}

/**
 * [thrownInstance] of the exception a coroutine's job completed with: a job whose code was resumed
 * with kotlinx's copy completes with the copy, and a failing parent job (a task group's) adds its
 * children's later failures to it as suppressed; those go to the original, as they go to an
 * exception a Java body threw (no copy there), so that the group's outcome keeps them. Before
 * 2026-12-07 a coroutine task (CoroutineScope.task, Deferred.asTask) handed Java the copy.
 */
internal fun thrownInstanceOfJob(e: Throwable): Throwable {
    val original = thrownInstance(e)
    if (original === e) return e
    var x = e
    while (x !== original) {
        for (s in x.suppressed) if (s !== original && original.suppressed.none { it === s }) original.addSuppressed(s)
        x = x.cause ?: break
    }
    return original
}
