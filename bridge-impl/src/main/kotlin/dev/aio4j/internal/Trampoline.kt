/*
 * What keeps a long chain of following tasks from overflowing the stack. A task that follows
 * another (FollowingTask: a thenCompose, a non-blocking body's stage, wait_for, shield...) is
 * completed from the followed task's completion, and cancels the followed task from its own
 * cancellation: an async loop written as a recursive thenCompose (each round's stage returns the
 * next round's) builds one such link per round, and a chain of thousands completed, or was
 * cancelled, by recursion thousands of frames deep. The StackOverflowError was reported as a
 * handler's failure and the rest of the chain never completed (found from outside on 2026-12-05).
 *
 * CompletableFuture's postComplete unwinds its own chains in a loop; here a link nested deeper
 * than [MAX_DEPTH] in one thread's current completion or cancellation is deferred instead, and
 * the outermost link runs the deferred ones in a loop before it returns: every link of the chain
 * has completed (or been cancelled) before the completion (or the cancel()) that started it
 * returns, as before, on the same thread, only no longer one frame deeper per link. A deferred
 * link runs after the other handlers of the task that reached it.
 *
 * One per thread: the loop's own on its thread (a field read), a thread-local elsewhere (only
 * threads that complete or cancel following tasks make one).
 */
package dev.aio4j.internal

internal class Trampoline {
    @PublishedApi internal var depth = 0
    private var deferred: ArrayDeque<Runnable>? = null

    /**
     * Runs [link] now, or, when the links it is nested in are [MAX_DEPTH] deep already, after them
     * (the outermost runs it before it returns). Inline: a link run now costs no object.
     */
    inline fun run(crossinline link: () -> Unit) {
        if (depth >= MAX_DEPTH) {
            defer(Runnable { link() })
            return
        }
        depth++
        try {
            link()
        } finally {
            depth--
        }
        if (depth == 0) drain()
    }

    fun defer(link: Runnable) {
        (deferred ?: ArrayDeque<Runnable>().also { deferred = it }).addLast(link)
    }

    fun drain() {
        val queue = deferred ?: return
        while (true) {
            val next = queue.removeFirstOrNull() ?: return
            depth++
            try {
                next.run()
            } finally {
                depth--
            }
        }
    }

    companion object {
        /** How many links one thread runs nested before it defers (about ten frames each). */
        const val MAX_DEPTH = 16

        private val OF_THREAD: ThreadLocal<Trampoline> = ThreadLocal.withInitial { Trampoline() }

        /** The calling thread's trampoline: [loop]'s own on its thread. */
        fun of(loop: EventLoop): Trampoline = if (loop.inLoopThread()) loop.trampoline else OF_THREAD.get()
    }
}
