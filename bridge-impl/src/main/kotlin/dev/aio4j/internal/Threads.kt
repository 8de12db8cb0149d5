/*
 * Where blocking-style bodies run: a new virtual thread per body when the JVM has them (21+),
 * found by reflection because aio4j's bytecode targets 17; on 17-20 a cached pool of daemon
 * platform threads per loop, shut down when the loop closes.
 */
package dev.aio4j.internal

import java.lang.invoke.MethodHandles
import java.lang.invoke.MethodType
import java.util.concurrent.Executor
import java.util.concurrent.ExecutorService
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.SynchronousQueue
import java.util.concurrent.ThreadFactory
import java.util.concurrent.ThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

internal object Threads {
    /** A factory of unstarted virtual threads, or null when the JVM has none. */
    @JvmField val virtualThreadFactory: ThreadFactory? = findVirtualThreadFactory()

    @JvmField val hasVirtualThreads: Boolean = virtualThreadFactory != null

    private val isVirtualHandle = runCatching {
        MethodHandles.publicLookup().findVirtual(Thread::class.java, "isVirtual", MethodType.methodType(Boolean::class.javaPrimitiveType))
    }.getOrNull()

    private fun findVirtualThreadFactory(): ThreadFactory? = try {
        val lookup = MethodHandles.publicLookup()
        val builderClass = Class.forName("java.lang.Thread\$Builder")
        val ofVirtual = lookup.findStatic(Thread::class.java, "ofVirtual", MethodType.methodType(Class.forName("java.lang.Thread\$Builder\$OfVirtual")))
        val factory = lookup.findVirtual(builderClass, "factory", MethodType.methodType(ThreadFactory::class.java))
        factory.invoke(ofVirtual.invoke()) as ThreadFactory
    } catch (e: ReflectiveOperationException) {
        null
    } catch (e: LinkageError) {
        null
    }

    fun isVirtual(thread: Thread): Boolean = isVirtualHandle != null && isVirtualHandle.invoke(thread) as Boolean

    /** Executor that starts each runnable on a new virtual thread. */
    val virtualThreadExecutor: Executor? = virtualThreadFactory?.let { f -> Executor { r -> f.newThread(r).start() } }

    /** A cached pool of daemon platform threads, for bodies on JDK 17-20. */
    fun cachedPlatformPool(name: String): ExecutorService =
        ThreadPoolExecutor(0, Int.MAX_VALUE, 30, TimeUnit.SECONDS, SynchronousQueue(), Daemons(name))

    /**
     * The loop's to_thread pool (asyncio's default executor): at most min(32, cores + 4) daemon
     * platform threads, idle ones ending after 30 s.
     */
    fun defaultExecutor(name: String): ExecutorService {
        val size = minOf(32, Runtime.getRuntime().availableProcessors() + 4)
        return ThreadPoolExecutor(size, size, 30, TimeUnit.SECONDS, LinkedBlockingQueue(), Daemons(name))
            .apply { allowCoreThreadTimeOut(true) }
    }

    /**
     * Makes a pool's daemon threads and keeps them (the dead ones pruned as more are made), so
     * that a loop's close can wait until they have exited: a pool's awaitTermination returns once
     * its threads have finished their work, while they may still be in Thread.exit (a thread seen
     * alive just after Async.run returned, 1-3 runs in 200, found from outside on 2026-12-05).
     *
     * The prune reads every thread kept, so it runs only when their number has doubled since the
     * last one (and at [PRUNE_MIN]): a few reads per thread made. Pruned at each new thread, a burst
     * of n blocking bodies on JDK 17 (a cached pool: a thread each) read n²/2 thread states.
     */
    class Daemons(private val prefix: String) : ThreadFactory {
        private val n = AtomicInteger()
        private val made: MutableSet<Thread> = java.util.concurrent.ConcurrentHashMap.newKeySet()

        /** How many threads kept make the next prune; racy on purpose: a lost update prunes once more or once less. */
        @Volatile private var pruneAt = PRUNE_MIN

        override fun newThread(r: Runnable): Thread {
            val size = made.size
            if (size >= pruneAt) {
                examined += size
                made.removeIf { it.state == Thread.State.TERMINATED } // not NEW: a thread made but not yet started stays
                pruneAt = maxOf(PRUNE_MIN, made.size * 2)
            }
            return Thread(r, "$prefix-${n.incrementAndGet()}").apply { isDaemon = true }.also { made.add(it) }
        }

        /** How many threads are kept (alive, or exited and not yet pruned): for tests. */
        fun kept(): Int = made.size

        /** How many thread states the prunes have read in all (plain, racy: for tests). */
        @JvmField var examined: Long = 0

        /** Waits until every thread made has exited; an interrupt does not stop it (returned: whether one came). */
        fun awaitExited(): Boolean {
            var interrupted = false
            for (t in made) if (waitThroughInterrupts { t.join() }) interrupted = true
            return interrupted
        }

        private companion object {
            const val PRUNE_MIN = 64
        }
    }
}

/**
 * Calls [wait] again each time it throws InterruptedException, until it returns; true if an
 * interrupt came meanwhile (the flag is then clear: the caller sets it again when it is done).
 */
internal inline fun waitThroughInterrupts(wait: () -> Unit): Boolean {
    var interrupted = false
    while (true) {
        try {
            wait()
            return interrupted
        } catch (e: InterruptedException) {
            interrupted = true
        }
    }
}
