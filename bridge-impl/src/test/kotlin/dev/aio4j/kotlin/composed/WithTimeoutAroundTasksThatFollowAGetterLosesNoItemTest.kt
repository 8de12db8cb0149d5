/*
 * `withTimeoutOrNull(t) { task.await() }` from Kotlin where `task` is not the queue's getAsync()
 * task itself but a task that follows it, as a Java API hands it out: `loop.createTaskAsync(q::getAsync)`
 * (a non-blocking body that returns the getter), `Async.waitFor(q.getAsync(), long)`, or
 * `q.getAsync().thenApply(f)`. Found from outside on 2026-12-06, 20 of 20 for each: the first fix
 * (a waiter's grant goes back when its Kotlin awaiter is cancelled before it resumes) was made
 * for WaiterTask only; a follower of a served getter ended SUCCESS with the item, await() returned
 * it to a cancelled coroutine, and withTimeoutOrNull dropped it. Now await() passes the
 * cancellation down at once (the waiter, not yet completed, gives the item back) and, when the
 * follower had completed, gives back the grant of the waiter whose value it passed on unchanged
 * (KotlinAwait.grantBehind); thenApply(f) is not covered (disabled below). Same schedule as TimeoutsAroundAio4jWaitsTest's
 * anItemHandedAsWithTimeoutOrNullExpiresIsNotLost: the item is put 1 ms before the deadline and
 * the loop is kept busy past it.
 */
package dev.aio4j.kotlin.composed

import dev.aio4j.Async
import dev.aio4j.Loop
import dev.aio4j.Task
import dev.aio4j.kotlin.await
import dev.aio4j.sync.AsyncLock
import dev.aio4j.sync.AsyncQueue
import java.time.Duration
import java.util.concurrent.Callable
import java.util.concurrent.CompletionStage
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Disabled
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WithTimeoutAroundTasksThatFollowAGetterLosesNoItemTest {



    enum class Follower { GETTER_ITSELF, BODY_RETURNS_GETTER, WAIT_FOR_GETTER, THEN_APPLY }

    private fun <T> follow(how: Follower, get: () -> Task<T>): Task<T> {
        val loop = Loop.current()
        return when (how) {
            Follower.GETTER_ITSELF -> get()
            Follower.BODY_RETURNS_GETTER -> loop.createTaskAsync(Callable<CompletionStage<T>> { get() })
            Follower.WAIT_FOR_GETTER -> Async.waitFor(get(), Duration.ofSeconds(10))
            Follower.THEN_APPLY -> get().thenApply { it }
        }
    }

    @ParameterizedTest
    @EnumSource(Follower::class, names = ["THEN_APPLY"], mode = EnumSource.Mode.EXCLUDE)
    fun anItemHandedAsWithTimeoutOrNullExpiresIsNotLost(how: Follower) {
        var lost = 0
        val tries = 20
        val seen = ArrayList<String>()
        repeat(tries) { i ->
            val q = AsyncQueue.create<Int>()
            var t: Task<Int>? = null
            val got = onSingleThreadLoop {
                val loop = Loop.current()
                loop.callLater(Duration.ofMillis(19)) { q.putNow(i); spin(5) }
                withTimeoutOrNull(20) { follow(how) { q.getAsync() }.also { t = it }.await() }
            }
            if (got == null && q.size() == 0) {
                lost++
                val task = t!!
                if (seen.size < 3) seen.add("try $i: task ended ${task.state()}${if (task.state() == dev.aio4j.TaskState.SUCCESS) "(" + task.resultNow() + ")" else ""}")
            }
        }
        assertEquals(0, lost, "$how: withTimeoutOrNull { task.await() } returned null and the item was in neither the caller's hands nor the queue in $lost of $tries tries; $seen")
    }

    @ParameterizedTest
    @EnumSource(Follower::class, names = ["THEN_APPLY"], mode = EnumSource.Mode.EXCLUDE)
    fun aLockGrantedAsWithTimeoutOrNullExpiresIsNotLeaked(how: Follower) {
        var leaked = 0
        val tries = 20
        repeat(tries) {
            val lock = AsyncLock.create()
            onSingleThreadLoop {
                val loop = Loop.current()
                lock.acquireAsync().await() // someone else holds it
                loop.callLater(Duration.ofMillis(19)) { lock.release(); spin(5) }
                val acquired = withTimeoutOrNull(20) { follow(how) { lock.acquireAsync() }.await(); true }
                if (acquired != null) lock.release()
            }
            if (lock.isLocked) leaked++
        }
        assertEquals(0, leaked, "$how: the lock stayed locked with nobody holding it in $leaked of $tries tries")
    }

    /**
     * A shield's inner task belongs to whoever shielded it: `withTimeoutOrNull { shield(t).await() }`
     * timing out as the item arrives must leave the item with `t` (which its holder awaits after)
     * and not also give it back to the queue. Each try checks first that the shield had completed
     * when the timeout came (the window where a grant is given back from a completed chain).
     */
    @Test
    fun anItemHandedThroughAShieldAsWithTimeoutOrNullExpiresStaysWithTheInnerTask() {
        var wrong = 0
        var windowSeen = 0
        val tries = 20
        val seen = ArrayList<String>()
        repeat(tries) { i ->
            val q = AsyncQueue.create<Int>()
            var shieldDone = false
            val (viaShield, later) = onSingleThreadLoop {
                val loop = Loop.current()
                val t = q.getAsync()
                val shield = Async.shield(t)
                loop.callLater(Duration.ofMillis(19)) { q.putNow(i); spin(5) }
                val x = withTimeoutOrNull(20) { shield.await() }
                shieldDone = shield.state() == dev.aio4j.TaskState.SUCCESS
                x to t.await()
            }
            if (viaShield == null && shieldDone) windowSeen++
            if (viaShield == null && (later != i || q.size() != 0)) {
                wrong++
                if (seen.size < 3) seen.add("try $i: shield gave $viaShield, t gave $later, queue ${q.size()}")
            }
        }
        assertEquals(0, wrong, "the item left the shielded task in $wrong of $tries tries: $seen")
        assertTrue(windowSeen > 0, "the schedule never reached a timeout after the shield had completed ($tries tries)")
    }

    @Disabled(THEN_APPLY_LOSS)
    @Test
    fun anItemHandedToAThenApplyAsWithTimeoutOrNullExpiresIsNotLost() = anItemHandedAsWithTimeoutOrNullExpiresIsNotLost(Follower.THEN_APPLY)

    @Disabled(THEN_APPLY_LOSS)
    @Test
    fun aLockGrantedToAThenApplyAsWithTimeoutOrNullExpiresIsNotLeaked() = aLockGrantedAsWithTimeoutOrNullExpiresIsNotLeaked(Follower.THEN_APPLY)

    private companion object {
        const val THEN_APPLY_LOSS = "Known and open (2026-12-06): a stage derived from a getter (getAsync().thenApply(f)) that completed before its awaiting coroutine, cancelled by withTimeoutOrNull, resumed returns f's value to the cancelled coroutine, and withTimeoutOrNull drops it (20 of 20): the give-back reaches a waiter only through followers that pass its value on unchanged (a body returning it, waitFor); f's result is not the grant"
    }
}
