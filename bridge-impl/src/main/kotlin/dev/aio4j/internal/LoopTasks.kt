/*
 * The loop's top-level tasks that have no kotlinx Job (every kind but the coroutine ones and task
 * groups: see TaskImpl): the tasks that close() cancels and waits for and allTasks() lists. A
 * task costs a slot in a dense array, taken and given back under a spin lock (one of four
 * stripes); the task keeps its slot number ([TaskImpl.slotInLoop]). The root job's children (coroutine tasks, kotlinx
 * coroutines started on the loop's context) are the other top-level tasks; close() and allTasks()
 * read both.
 */
package dev.aio4j.internal

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

internal class LoopTasks {
    /**
     * Four stripes, each with its own lock: a blocking task is added by the thread that creates it
     * and removed by its own thread when it ends, so one lock would be contended by every carrier
     * thread of a burst of short tasks. A task goes to the next stripe in turn (a plain counter: a
     * lost increment only evens out less), and keeps its stripe in the low bits of its slot number.
     */
    private val stripes = Array(STRIPES) { Stripe() }
    private var turn = 0

    /** Adds [task]; it must not be in yet. */
    fun add(task: TaskImpl<*>) {
        val stripe = turn++ and (STRIPES - 1)
        stripes[stripe].add(task, stripe)
    }

    /** Removes [task] if it is in. */
    fun remove(task: TaskImpl<*>) {
        val slot = task.slotInLoop
        if (slot >= 0) stripes[slot and (STRIPES - 1)].remove(task) // a task's stripe never changes
    }

    /**
     * The tasks in now that are not done, in no particular order. A task leaves just after it
     * completes (and its completion handlers ran): one done but not gone yet is left out, so that
     * close() does not cancel it, which would count as retrieving its failure.
     */
    fun pending(): List<TaskImpl<*>> {
        val list = ArrayList<TaskImpl<*>>()
        for (stripe in stripes) stripe.addPendingTo(list)
        return list
    }

    /** One stripe: its tasks in slots 0 until [count], each knowing its slot; a removal moves the last into the hole. */
    private class Stripe {
        private var slots = arrayOfNulls<TaskImpl<*>>(16)
        private var count = 0

        fun add(task: TaskImpl<*>, stripe: Int) {
            locked {
                if (count == slots.size) slots = slots.copyOf(count * 2)
                slots[count] = task
                SLOT.lazySet(task, count++ * STRIPES + stripe)
            }
        }

        fun remove(task: TaskImpl<*>) {
            locked {
                val slot = task.slotInLoop
                if (slot < 0) return
                val index = slot / STRIPES
                SLOT.lazySet(task, -1)
                val last = slots[--count]!!
                slots[count] = null
                if (last !== task) {
                    slots[index] = last
                    SLOT.lazySet(last, slot)
                }
                if (slots.size > SMALL && count < slots.size / 4) slots = slots.copyOf(slots.size / 2) // give back a burst's room
            }
        }

        fun addPendingTo(list: MutableList<TaskImpl<*>>) = locked {
            for (i in 0 until count) {
                val task = slots[i]!!
                if (!task.isDone) list.add(task)
            }
        }

        /**
         * A spin lock: every section is a few stores long (but for [addPendingTo]), and a monitor's
         * contention would park the virtual threads of blocking tasks that complete at once.
         */
        @Volatile private var lock = 0

        private inline fun <R> locked(section: () -> R): R {
            var spins = 0
            while (!LOCK.compareAndSet(this, 0, 1)) {
                if (++spins < 64) Thread.onSpinWait() else Thread.yield()
            }
            try {
                return section()
            } finally {
                LOCK.lazySet(this, 0) // a release: what the section wrote is seen by the next to lock
            }
        }

        private companion object {
            val LOCK: AtomicIntegerFieldUpdater<Stripe> = AtomicIntegerFieldUpdater.newUpdater(Stripe::class.java, "lock")
        }
    }

    private companion object {
        const val STRIPES = 4

        /**
         * Writes of [TaskImpl.slotInLoop], all under a stripe's lock: release stores, with no full
         * fence each (a volatile store costs one; the stripe's lock orders them for the next holder,
         * and a read outside it uses only what never changes: the stripe, and whether the task is in).
         */
        val SLOT: AtomicIntegerFieldUpdater<TaskImpl<*>> = AtomicIntegerFieldUpdater.newUpdater(TaskImpl::class.java, "slotInLoop")
        const val SMALL = 1024
    }
}
