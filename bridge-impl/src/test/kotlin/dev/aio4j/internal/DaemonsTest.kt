/*
 * Threads.Daemons, the thread factory of the platform-thread pools (blocking bodies on JDK 17-20,
 * to_thread's pool): it keeps every thread it made so that a loop's close can wait for them to
 * exit, and prunes the exited ones (white-box: how many it keeps, and what the prunes cost).
 */
package dev.aio4j.internal

import java.util.concurrent.CountDownLatch
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Timeout(120)
class DaemonsTest {
    @Test
    fun aBurstOfLiveThreadsCostsAFewStateReadsPerThreadNotOnePerThreadKept() {
        // 1,000 threads alive at once, as a burst of blocking bodies on JDK 17 makes them (a cached
        // pool: one thread each). Pruning at every new thread read n²/2 states (about 500,000 here)
        val daemons = Threads.Daemons("daemons-test")
        val release = CountDownLatch(1)
        val n = 1_000
        val threads = (1..n).map { daemons.newThread { release.await() }.also(Thread::start) }
        try {
            assertEquals(n, daemons.kept())
            assertTrue(daemons.examined <= 4L * n, "the prunes read ${daemons.examined} thread states for $n threads made")
        } finally {
            release.countDown()
        }
        threads.forEach(Thread::join)
    }

    @Test
    fun exitedThreadsAreLetGoAsMoreAreMade() {
        val daemons = Threads.Daemons("daemons-test")
        repeat(1_000) {
            val t = daemons.newThread {}
            t.start()
            t.join()
        }
        // all but the ones made since the last prune are gone: fewer than two prunes' worth
        assertTrue(daemons.kept() <= 2 * 64, "kept ${daemons.kept()} exited threads of 1,000")
        assertFalse(daemons.awaitExited())
    }
}
