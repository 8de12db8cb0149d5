package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.TimeoutScope;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A blocking body enters Async.timeout with a request already pending on its thread (its task was
 * cancelled while it computed, or an enclosing deadline passed meanwhile), and the scope's own
 * deadline passes too before the body's wait notices either: the wait ends on the pending request,
 * which is not the scope's, so the scope lets the cancellation through (Async.timeout's Javadoc:
 * only the deadline's own interrupt becomes the timeout exception; timeoutScope is the same with the scope). Before 2026-12-07 the scope
 * counted only the requests made after its entry, turned the cancellation into its
 * AsyncTimeoutException, and a body that retried on a timeout went on working for a cancelled task
 * (found from outside: up to 267 in 300 rounds with a join inside, JDK 17).
 *
 * <p>Each case makes the order certain: the body waits until cancel() has returned (or the
 * enclosing deadline has passed) before it enters the scope, and inside the scope until its own
 * deadline has passed (expired()) before it waits.
 */
@Timeout(60)
class PendingRequestIntoTimeoutTest {

    private static void awaitExpired(TimeoutScope scope) {
        while (!scope.expired()) Thread.onSpinWait();
    }

    /** The waits a body may make inside the scope. */
    enum Wait {
        SLEEP {
            @Override
            void run(dev.aio4j.Loop loop) throws Exception {
                Async.sleep(Duration.ofMinutes(1));
            }
        },
        JOIN {
            @Override
            void run(dev.aio4j.Loop loop) throws Exception {
                loop.createTask(() -> {
                    Async.sleep(Duration.ofMinutes(1));
                    return null;
                }).join();
            }
        };

        abstract void run(dev.aio4j.Loop loop) throws Exception;
    }

    @ParameterizedTest
    @EnumSource(Wait.class)
    void theTasksPendingCancellationGoesThroughAScopeWhoseDeadlinePassedToo(Wait wait) {
        for (Threading threading : Threading.values()) {
            String seen = Async.run(ScopeSupport.options(threading), loop -> {
                AtomicBoolean cancelReturned = new AtomicBoolean();
                AtomicBoolean bodyStarted = new AtomicBoolean();
                AtomicReference<String> inBody = new AtomicReference<>("nothing");
                Task<Void> t = loop.createTask(() -> {
                    bodyStarted.set(true);
                    while (!cancelReturned.get()) Thread.onSpinWait(); // the cancellation is pending now
                    try {
                        Async.timeoutScope(Duration.ZERO, scope -> {
                            awaitExpired(scope);
                            wait.run(loop);
                            return null;
                        });
                        inBody.set("returned");
                    } catch (AsyncTimeoutException e) {
                        inBody.set("AsyncTimeoutException");
                    } catch (CancellationException e) {
                        inBody.set("CancellationException");
                        throw e;
                    }
                });
                // the body must have started: a task cancelled before that never runs it (a CI run on
                // JDK 17 got "nothing" after a sleep of 1 ms here)
                while (!bodyStarted.get()) Async.sleep(Duration.ofMillis(1));
                assertTrue(t.cancel());
                cancelReturned.set(true);
                Async.gatherOutcomes(t).join();
                return inBody.get() + ", task " + t.state();
            });
            assertEquals("CancellationException, task " + TaskState.CANCELLED, seen, threading + ", " + wait);
        }
    }

    @ParameterizedTest
    @EnumSource(Wait.class)
    void anEnclosingDeadlinesPendingRequestGoesThroughAnInnerScopeToTheEnclosingOne(Wait wait) {
        for (Threading threading : Threading.values()) {
            String seen = Async.run(ScopeSupport.options(threading), loop -> {
                AtomicReference<String> inner = new AtomicReference<>("nothing");
                AsyncTimeoutException outer = assertThrows(AsyncTimeoutException.class, () -> Async.timeoutScope(Duration.ofMillis(1), outerScope -> {
                    awaitExpired(outerScope); // the enclosing request is pending now
                    try {
                        Async.timeoutScope(Duration.ZERO, scope -> {
                            awaitExpired(scope);
                            wait.run(loop);
                            return null;
                        });
                        inner.set("returned");
                    } catch (AsyncTimeoutException e) {
                        inner.set("AsyncTimeoutException");
                    } catch (CancellationException e) {
                        inner.set("CancellationException");
                        throw e;
                    }
                    return null;
                }));
                assertEquals(Duration.ofMillis(1), outer.timeout(), "the timeout raised is not the enclosing scope's");
                assertFalse(Thread.currentThread().isInterrupted(), "an interrupt was left");
                return inner.get();
            });
            assertEquals("CancellationException", seen, threading + ", " + wait);
        }
    }

    /** What stays: a cancellation delivered and handled before the scope is entered leaves the scope's deadline its own. */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aTimeoutInCleanUpAfterADeliveredCancellationIsTheTimeoutsOwn(Threading threading) {
        String seen = Async.run(ScopeSupport.options(threading), loop -> {
            AtomicReference<String> cleanUp = new AtomicReference<>("nothing");
            AtomicBoolean started = new AtomicBoolean();
            Task<Void> t = loop.createTask(() -> {
                try {
                    started.set(true);
                    Async.sleep(Duration.ofMinutes(1));
                } catch (CancellationException delivered) {
                    try {
                        Async.timeout(Duration.ofMillis(1), () -> {
                            Async.sleep(Duration.ofMinutes(1));
                            return null;
                        });
                        cleanUp.set("returned");
                    } catch (AsyncTimeoutException e) {
                        cleanUp.set("AsyncTimeoutException");
                    }
                    throw delivered;
                }
            });
            while (!started.get()) Thread.onSpinWait();
            Async.sleep(Duration.ofMillis(5));
            t.cancel();
            Async.gatherOutcomes(t).join();
            return cleanUp.get() + ", task " + t.state();
        });
        assertEquals("AsyncTimeoutException, task " + TaskState.CANCELLED, seen);
    }
}
