package dev.aio4j.interop

import dev.aio4j.Async
import dev.aio4j.LoopOptions
import dev.aio4j.kotlin.asCoroutineDispatcher
import dev.aio4j.kotlin.await
import dev.aio4j.kotlin.task
import dev.aio4j.sync.AsyncLock
import java.util.concurrent.ThreadLocalRandom
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

/**
 * Kotlin code taking a Java AsyncLock with acquireAsync().await() under withTimeoutOrNull, six
 * coroutines contending, the plain idiom (await, then try/finally release). A cancellation that
 * arrives after the grant but before the coroutine resumes made await() throw although the task
 * had succeeded, and the lock stayed locked for ever in 17 of 150 rounds (SINGLE_THREAD); await()
 * then returned the grant, as Java's join does, and the finally released it. Since 2026-12-06
 * a coroutine cancelled before it resumed gives the lock back instead
 * and await() throws (CancelledAwaiterGivesTheGrantBackTest); what this test checks, that no round
 * leaves the lock locked, holds under both rules.
 */
class AwaitGrantRaceTest {
    private val rounds = Integer.getInteger("mixed.rounds", 150)

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading::class)
    fun kotlinAcquireAwaitCancelledAtTheGrant(threading: LoopOptions.Threading) {
        var leaked = 0
        repeat(rounds) {
            val loop = Async.newLoop(LoopOptions.defaults().withThreading(threading))
            try {
                val lock = AsyncLock.create()
                val scope = CoroutineScope(loop.asCoroutineDispatcher() + SupervisorJob())
                loop.runUntilComplete(scope.task {
                    val jobs = (0 until 6).map { i ->
                        launch {
                            withTimeoutOrNull(1L + ThreadLocalRandom.current().nextInt(3)) {
                                lock.acquireAsync().await() // granted as the timeout came: given back, and await() throws
                                try {
                                    yield()
                                } finally {
                                    lock.release()
                                }
                            }
                        }
                    }
                    jobs.forEach { it.join() }
                    if (lock.isLocked) leaked++
                })
            } finally {
                loop.close()
            }
        }
        if (leaked > 0) fail<Unit>("$threading: the lock stayed locked after every holder had ended in $leaked of $rounds rounds")
    }
}
