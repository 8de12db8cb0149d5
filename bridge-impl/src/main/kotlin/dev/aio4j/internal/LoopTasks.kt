/*
 * The loop's top-level tasks that have no kotlinx Job (every kind but the coroutine ones and task
 * groups: see TaskImpl): the tasks that close() cancels and waits for and allTasks() lists. A
 * task costs a slot in a dense array, taken and given back under this object's spin lock; the task
 * keeps its slot number ([TaskImpl.slotInLoop]). The root job's children (coroutine tasks, kotlinx
 * coroutines started on the loop's context) are the other top-level tasks; close() and allTasks()
 * read both.
 */
package dev.aio4j.internal

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

internal class LoopTasks {
    /** The tasks in slots 0 until [count], each knowing its slot; a removal moves the last into the hole. */
    private var slots = arrayOfNulls<TaskImpl<*>>(16)
    private var count = 0

    /** Adds [task]; it must not be in yet. */
    fun add(task: TaskImpl<*>) {
        locked {
            if (count == slots.size) slots = slots.copyOf(count * 2)
            slots[count] = task
            task.slotInLoop = count++
        }
    }

    /** Removes [task] if it is in. */
    fun remove(task: TaskImpl<*>) {
        locked {
            val slot = task.slotInLoop
            if (slot < 0) return
            task.slotInLoop = -1
            val last = slots[--count]!!
            slots[count] = null
            if (last !== task) {
                slots[slot] = last
                last.slotInLoop = slot
            }
            if (slots.size > SMALL && count < slots.size / 4) slots = slots.copyOf(slots.size / 2) // give back a burst's room
        }
    }

    /**
     * The tasks in now that are not done, in no particular order. A task leaves just after it
     * completes (and its completion handlers ran): one done but not gone yet is left out, so that
     * close() does not cancel it, which would count as retrieving its failure.
     */
    fun pending(): List<TaskImpl<*>> = locked {
        val list = ArrayList<TaskImpl<*>>(count)
        for (i in 0 until count) {
            val task = slots[i]!!
            if (!task.isDone) list.add(task)
        }
        list
    }

    /**
     * A spin lock: every section is a few stores long (but for [pending]), and a monitor's
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
            lock = 0
        }
    }

    private companion object {
        const val SMALL = 1024
        val LOCK: AtomicIntegerFieldUpdater<LoopTasks> = AtomicIntegerFieldUpdater.newUpdater(LoopTasks::class.java, "lock")
    }
}
