/*
 * The tasks of one of LoopTasks' chains, in slots of chunks. See LoopTasks' file comment.
 */
package dev.aio4j.internal

import java.lang.invoke.VarHandle

/**
 * Tasks in the slots of a chain of chunks of [CHUNK_SLOTS], oldest first: a task is written into
 * the next slot of the last chunk and leaves by clearing its own slot (LoopTasks.remove, any
 * thread, no guard); a slot is never written again. Its owner guards the rest (adds, prunes, and the reads
 * that must not miss a chunk being dropped). No single array: a burst of a million pending tasks
 * would grow one far past G1's humongous size, and every young task stored into it would be a
 * reference from the old generation that the next young collection has to scan; a chunk is filled
 * within 32 adds, mostly while it is young itself.
 *
 * A chain whose owner is one thread ([ownedByOneThread]: the loop's own) also counts, in each
 * chunk, the slots its owner cleared, and drops a chunk at once when they are all of its slots (its
 * neighbours are linked both ways): the tasks that the loop's thread starts and completes leave no
 * chunk for a prune to read. A slot that another thread clears is not counted (that would take an
 * atomic update of a line that the owner writes); it marks the chain [strayed], and the prunes of
 * that chain read its chunks only then.
 */
internal class SlotList(private val ownedByOneThread: Boolean) {
    /**
     * A chunk: its slots, its neighbours, and on a chain owned by one thread the chain ([owned]) and
     * how many slots the owner cleared. A thread that clears a slot reads only the chunk (a chain's
     * own fields share a line with what its adds write at each add).
     */
    class Chunk(@JvmField val owned: SlotList?) {
        @JvmField val slots = arrayOfNulls<TaskImpl<*>>(CHUNK_SLOTS)
        @JvmField var next: Chunk? = null
        @JvmField var prev: Chunk? = null
        @JvmField var clearedByOwner = 0
    }

    private var first = newChunk()
    private var last = first
    /** How many slots of [last] were written. */
    private var fill = 0
    /** How many chunks are chained. */
    private var chunks = 1
    /** How many chunks are chained (read without the guard too: a stale count only moves a prune). */
    val chunkCount: Int get() = chunks
    /** How many chunks were chained after the last prune. */
    private var kept = 1

    /**
     * Whether a thread other than the owner cleared a slot since the last prune, on a chain owned by
     * one thread (a plain store, set only if it reads false: a set lost to a prune's reset leaves that
     * chunk to a later prune, or to close()). Always true on the others.
     */
    @JvmField var strayed = !ownedByOneThread

    fun add(task: TaskImpl<*>) {
        if (fill == CHUNK_SLOTS) {
            // each chunk is read about twice by these prunes at most
            if (strayed && chunks >= 2 * kept + 2) prune()
            val full = last
            val chunk = newChunk()
            chunk.prev = full
            full.next = chunk
            last = chunk
            fill = 0
            chunks++
            if (full.clearedByOwner == CHUNK_SLOTS) unlink(full) // its tasks left as it was filled
        }
        task.loopChunk = last
        task.loopSlot = fill
        last.slots[fill++] = task
    }

    private fun newChunk() = Chunk(if (ownedByOneThread) this else null)

    /**
     * On the owner's thread of a chain owned by one thread, which cleared a slot of [chunk]: whether
     * counting it drops the chunk ([clearedByOwner]; not the last, being filled: [add] drops it).
     */
    fun dropsAtNextClear(chunk: Chunk): Boolean = chunk.clearedByOwner == CHUNK_SLOTS - 1 && chunk !== last

    /** On the owner's thread of a chain owned by one thread, which cleared a slot of [chunk]: counts it, and drops the chunk if it is all clear now. */
    fun clearedByOwner(chunk: Chunk) {
        if (++chunk.clearedByOwner == CHUNK_SLOTS && chunk !== last) unlink(chunk)
    }

    /** Unlinks [chunk], not the last. It keeps its link on: a reader on it (LoopTasks.readUnderSequence) goes on. */
    private fun unlink(chunk: Chunk) {
        val before = chunk.prev
        val after = chunk.next!!
        if (before == null) first = after else before.next = after
        after.prev = before
        chunks--
        if (kept > chunks) kept = chunks
    }

    /**
     * Drops the chunks whose slots are all clear, but the last (it is being filled). Reads the
     * chunks only: a chunk's first slot still written keeps it.
     */
    fun prune() {
        if (ownedByOneThread) strayed = false
        var chunk = first
        while (chunk !== last) {
            val next = chunk.next!!
            if (chunk.slots.all { it == null }) unlink(chunk)
            chunk = next
        }
        kept = chunks
    }

    /** Drops every chunk but the last, without reading them: its owner knows every slot clear, or about to be. */
    fun clear() {
        first = last
        last.prev = null
        chunks = 1
        kept = 1
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
