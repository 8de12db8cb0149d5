/*
 * The tasks of one of LoopTasks' chains, in slots of chunks. See LoopTasks' file comment.
 */
package dev.aio4j.internal

/**
 * Tasks in the slots of a chain of chunks of [CHUNK_SLOTS], oldest first: a task is written into
 * the next slot of the last chunk and leaves by clearing its own slot (LoopTasks.remove, any thread,
 * no guard); a slot is never written again. Its owner guards the rest (adds, prunes, and the reads
 * that must not miss a chunk being dropped). No single array: a burst of a million pending tasks
 * would grow one far past G1's humongous size, and every young task stored into it would be a
 * reference from the old generation that the next young collection has to scan; a chunk is filled
 * within 32 adds, mostly while it is young itself.
 */
internal class SlotList {
    /** A chunk: its slots, and the next (newer) chunk. */
    private class Chunk {
        @JvmField val slots = arrayOfNulls<TaskImpl<*>>(CHUNK_SLOTS)
        @JvmField var next: Chunk? = null
    }

    private var first = Chunk()
    private var last = first
    /** How many slots of [last] were written. */
    private var fill = 0
    /** How many chunks are chained. */
    private var chunks = 1
    /** How many chunks are chained (read without the guard too: a stale count only moves a prune). */
    val chunkCount: Int get() = chunks
    /** How many chunks were chained after the last prune. */
    private var kept = 1

    fun add(task: TaskImpl<*>) {
        if (fill == CHUNK_SLOTS) {
            // each chunk is read about twice by these prunes at most
            if (chunks >= 2 * kept + 2) prune()
            val chunk = Chunk()
            last.next = chunk
            last = chunk
            fill = 0
            chunks++
        }
        task.loopSlots = last.slots
        task.loopSlot = fill
        last.slots[fill++] = task
    }

    /**
     * Drops the chunks whose slots are all clear, but the last (it is being filled). Reads the
     * chunks only: a chunk's first slot still written keeps it.
     */
    fun prune() {
        var before: Chunk? = null
        var chunk = first
        while (chunk !== last) {
            val next = chunk.next!!
            if (chunk.slots.all { it == null }) {
                // the dropped chunk keeps its link: a reader on it (LoopTasks.readUnderSequence) goes on
                if (before == null) first = next else before.next = next
                chunks--
            } else {
                before = chunk
            }
            chunk = next
        }
        kept = chunks
    }

    /** Adds the tasks in that are not done to [list]. */
    fun addPendingTo(list: MutableList<TaskImpl<*>>) = forEach { if (!it.isDone) list.add(it) }

    /** Whether a blocking task is in. */
    fun holdsBlockingTask(): Boolean {
        forEach { if (it is BlockingTask<*>) return true }
        return false
    }

    private inline fun forEach(action: (TaskImpl<*>) -> Unit) {
        var chunk: Chunk? = first
        while (chunk != null) {
            for (task in chunk.slots) if (task != null) action(task)
            chunk = chunk.next
        }
    }

    private companion object {
        /** 32 compressed references: two cache lines. */
        const val CHUNK_SLOTS = 32
    }
}
