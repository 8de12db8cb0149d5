/*
 * Where an AsyncQueue keeps its items, in the order of asyncio's three queues: FIFO (Queue),
 * LIFO (LifoQueue), smallest first (PriorityQueue, a binary heap as Python's heapq). [giveBack]
 * returns an item that a get had taken but could not deliver (its waiter was cancelled at that
 * moment) to the place it was taken from. Not thread-safe: the queue's lock guards it.
 */
package dev.aio4j.internal.sync

import java.util.ArrayDeque
import java.util.PriorityQueue

internal sealed class QueueStore<T : Any> {
    abstract val size: Int
    abstract fun add(item: T)
    abstract fun take(): T
    abstract fun giveBack(item: T)
    fun isEmpty(): Boolean = size == 0

    class Fifo<T : Any> : QueueStore<T>() {
        private val items = ArrayDeque<T>()
        override val size: Int get() = items.size
        override fun add(item: T) = items.addLast(item)
        override fun take(): T = items.removeFirst()
        override fun giveBack(item: T) = items.addFirst(item)
    }

    class Lifo<T : Any> : QueueStore<T>() {
        private val items = ArrayDeque<T>()
        override val size: Int get() = items.size
        override fun add(item: T) = items.addLast(item)
        override fun take(): T = items.removeLast()
        override fun giveBack(item: T) = items.addLast(item)
    }

    /** With no comparator, the items' natural order; a non-Comparable item fails its put with ClassCastException. */
    class Priority<T : Any>(comparator: Comparator<in T>?) : QueueStore<T>() {
        private val items = PriorityQueue<T>(11, comparator)
        override val size: Int get() = items.size
        override fun add(item: T) {
            items.add(item)
        }
        override fun take(): T = items.poll()
        override fun giveBack(item: T) {
            items.add(item)
        }
    }
}
