/*
 * LoopTasksTest's race of allTasks() from another thread against a loop that keeps changing its own
 * list of tasks, ten times as long (times the stress multiplier), for the rarer interleavings.
 */
package dev.aio4j.internal

import dev.aio4j.Async
import dev.aio4j.Loop
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Tag("stress")
@Timeout(300)
class LoopTasksStressTest {
    private val loop: Loop = Async.newLoop()

    @AfterEach
    fun close() = loop.close()

    @Test
    fun anotherThreadListsTheLoopsOwnTasksWhileTheLoopKeepsChangingThem() {
        val (taken, good) = LoopTasksTest.snapshotsUnderChurn(loop, 200_000 * Integer.getInteger("stress", 1))
        assertEquals(taken, good, "of $taken snapshots, those that held every keeper")
    }
}
