/*
 * Where an AsyncQueue keeps its items, in the order of asyncio's three queues: FIFO (Queue),
 * LIFO (LifoQueue), smallest first (PriorityQueue, a binary heap as Python's heapq). [giveBack]
 * returns an item that a put had handed to a waiting getter, which did not take it (its waiter
 * was cancelled at that moment), to the place it would have had if no getter had taken it, as
 * asyncio's item stays in its deque until the woken getter runs. Not thread-safe: the queue's lock
 * guards it.
 */
package dev.aio4j.internal.sync

import java.util.ArrayDeque
import java.util.PriorityQueue

internal sealed class QueueStore<T : Any> {
    abstract val size: Int
    abstract fun add(item: T)
    abstract fun take(): T

    /** Returns [item], handed to a getter at the queue's [seq]-th grant (numbered modulo 2^32), to its place. */
    abstract fun giveBack(item: T, seq: Int)
    fun isEmpty(): Boolean = size == 0

    /**
     * FIFO and LIFO: the items oldest first. An item given back is older than every item the
     * queue holds but those given back before it (a put hands its item to a getter only while no
     * getter's item is left in the queue: a getter waits only while it is empty), so the items
     * given back are the oldest, at the front, in the order of their grants: [givenBack] holds
     * their grants' numbers, front first, while they are there. Before 2026-12-07 an item went back
     * to the end taken next, so that two given back came out reversed (found from outside).
     */
    sealed class InPutOrder<T : Any> : QueueStore<T>() {
        protected val items = ArrayDeque<T>()
        /** The grant numbers of the items given back, which are the first givenBack.size items; made at the first give-back. */
        protected var givenBack: ArrayList<Int>? = null
        override val size: Int get() = items.size
        override fun add(item: T) = items.addLast(item)

        override fun giveBack(item: T, seq: Int) {
            val seqs = givenBack ?: ArrayList<Int>(2).also { givenBack = it }
            var at = seqs.size
            while (at > 0 && seqs[at - 1] - seq > 0) at-- // after those granted before it
            seqs.add(at, seq)
            val ahead = ArrayList<T>(at)
            repeat(at) { ahead.add(items.removeFirst()) }
            items.addFirst(item)
            for (i in at - 1 downTo 0) items.addFirst(ahead[i])
        }
    }

    /** Takes the oldest: the items given back first. */
    class Fifo<T : Any> : InPutOrder<T>() {
        override fun take(): T {
            val seqs = givenBack
            if (seqs != null && seqs.isNotEmpty()) seqs.removeAt(0)
            return items.removeFirst()
        }
    }

    /** Takes the newest: the items given back last. */
    class Lifo<T : Any> : InPutOrder<T>() {
        override fun take(): T {
            val item = items.removeLast()
            val seqs = givenBack
            if (seqs != null && seqs.size > items.size) seqs.removeAt(seqs.size - 1)
            return item
        }
    }

    /** With no comparator, the items' natural order; a non-Comparable item fails its put with ClassCastException. */
    class Priority<T : Any>(comparator: Comparator<in T>?) : QueueStore<T>() {
        private val items = PriorityQueue<T>(11, comparator)
        override val size: Int get() = items.size
        override fun add(item: T) {
            items.add(item)
        }
        override fun take(): T = items.poll()
        override fun giveBack(item: T, seq: Int) {
            items.add(item)
        }
    }
}
