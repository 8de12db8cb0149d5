package dev.aio4j;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Async#wait} returns: asyncio's {@code (done, pending)} pair.
 *
 * <p>Both sets are unmodifiable copies that keep the iteration order of the sets given; those
 * that {@code wait} returns iterate in the order the tasks were passed to it. A task is in exactly one of them.
 *
 * @param done the tasks that were done when the wait returned
 * @param pending the tasks that were not
 * @param <T> the type of the tasks' results
 */
public record Done<T extends @Nullable Object>(Set<Task<T>> done, Set<Task<T>> pending) {
    /**
     * Copies both sets, unmodifiable, keeping their iteration order.
     *
     * @param done the tasks that were done
     * @param pending the tasks that were not
     * @throws NullPointerException if either is null
     */
    public Done {
        done = Collections.unmodifiableSet(new LinkedHashSet<>(Objects.requireNonNull(done, "done (Done)")));
        pending = Collections.unmodifiableSet(new LinkedHashSet<>(Objects.requireNonNull(pending, "pending (Done)")));
    }
}
