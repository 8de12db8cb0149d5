package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.kotlin.Flows;
import dev.aio4j.kotlin.KotlinSide;
import dev.aio4j.kotlin.Suspend;
import dev.aio4j.kotlin.TestService;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import kotlinx.coroutines.Deferred;
import kotlinx.coroutines.Job;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cancellation matrix across the Java/Kotlin line: every way to cancel × every kind of body.
 * In each case the body's finally runs, the task is CANCELLED and the Kotlin coroutine that awaits
 * it is cancelled, and the CancellationException that Kotlin's await() threw is the task's own
 * instance (for a cancellation that starts in Kotlin, the task's is the Kotlin one).
 */
class KotlinCancellationMatrixTest {

    /** What runs in the task. */
    enum Body { JAVA_BLOCKING, JAVA_BLOCKING_JOINS_KOTLIN, JAVA_STAGE, KOTLIN_SUSPEND, FLOW_PRODUCER, FLOW_BLOCKING_VIEW }

    /** How it is cancelled. */
    enum Route { JAVA_CANCEL, COMPLETABLE_FUTURE_CANCEL, THREAD_INTERRUPT, KOTLIN_JOB_CANCEL, JAVA_TIMEOUT, KOTLIN_TIMEOUT, FLOW_COLLECTION_ENDS }

    record Case(Body body, Route route) {}

    static java.util.stream.Stream<Case> cases() {
        return java.util.Arrays.stream(Body.values()).flatMap(b -> java.util.Arrays.stream(Route.values()).map(r -> new Case(b, r)));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("cases")
    void finallyRunsBothSidesCancelledSameInstance(Case c) throws Exception {
        TestService service = new TestService();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<Throwable> seenByKotlin = new AtomicReference<>();
        AtomicReference<Throwable> cancelledBy = new AtomicReference<>();
        Async.run(loop -> {
            Task<?> task = switch (c.body()) {
                case JAVA_BLOCKING -> loop.createTask(() -> {
                    try {
                        started.countDown();
                        Thread.sleep(Long.MAX_VALUE);
                        return null;
                    } finally {
                        finished.countDown();
                    }
                });
                // a blocking body waiting in Suspend.join: the joining thread runs the function (JoinLoop)
                case JAVA_BLOCKING_JOINS_KOTLIN -> loop.createTask(() -> Suspend.<Integer>join(k -> service.hang(started, finished, k)));
                case JAVA_STAGE -> loop.createTaskAsync(() -> {
                    CompletableFuture<Object> stage = new CompletableFuture<>();
                    stage.whenComplete((v, e) -> finished.countDown());
                    started.countDown();
                    return stage;
                });
                case KOTLIN_SUSPEND -> Suspend.call(k -> service.hang(started, finished, k));
                case FLOW_PRODUCER -> Flows.asAsyncIterable(service.hangingFlow(started, finished)).forEach(x -> {});
                // a blocking body reading a Flow: the flow is collected on the body's thread (FlowOnThread)
                case FLOW_BLOCKING_VIEW -> loop.createTask(() -> {
                    try (var view = Flows.asAsyncIterable(service.hangingFlow(started, finished)).blocking()) {
                        for (Object x : view) assertNotNull(x);
                    }
                    return null;
                });
            };
            started.await();
            Deferred<Object> kotlinSide = switch (c.route()) {
                case KOTLIN_TIMEOUT -> KotlinSide.awaiterWithTimeout(loop, task, 50, seenByKotlin);
                case FLOW_COLLECTION_ENDS -> KotlinSide.firstOfMerge(loop, task, seenByKotlin);
                default -> KotlinSide.awaiter(loop, task, seenByKotlin);
            };
            switch (c.route()) {
                case JAVA_CANCEL -> assertTrue(task.cancel());
                case COMPLETABLE_FUTURE_CANCEL -> assertTrue(task.toCompletableFuture().cancel(true));
                case THREAD_INTERRUPT -> {
                    Thread waiter = new Thread(() -> assertThrows(CancellationException.class, task::join));
                    waiter.start();
                    while (waiter.getState() != Thread.State.WAITING) Thread.onSpinWait();
                    waiter.interrupt();
                    waiter.join();
                }
                case KOTLIN_JOB_CANCEL -> {
                    CancellationException ce = new CancellationException("cancelled by Kotlin's Job.cancel");
                    cancelledBy.set(ce);
                    loop.callSoon(() -> ((Job) kotlinSide).cancel(ce));
                }
                case JAVA_TIMEOUT -> assertThrows(AsyncTimeoutException.class, () -> Async.waitFor(task, Duration.ofMillis(50)).join());
                case KOTLIN_TIMEOUT, FLOW_COLLECTION_ENDS -> { /* started above */ }
            }
            assertThrows(CancellationException.class, task::join);
            assertTrue(finished.await(10, TimeUnit.SECONDS), "the body's finally ran");
            assertEquals(TaskState.CANCELLED, task.state(), "Java side");
            Throwable taskException = ((Outcome.Cancelled<?>) task.outcomeNow()).exception();
            // the Kotlin side: wait for its coroutine to be done
            while (!((Job) kotlinSide).isCompleted()) Async.sleep(Duration.ofMillis(1));
            if (c.route() == Route.FLOW_COLLECTION_ENDS) {
                assertEquals("first", kotlinSide.getCompleted(), "the collection ended with its first element");
            } else {
                assertTrue(((Job) kotlinSide).isCancelled(), "Kotlin side cancelled");
            }
            Throwable seen = seenByKotlin.get();
            assertNotNull(seen, "Kotlin's await() threw");
            assertInstanceOf(CancellationException.class, seen);
            assertSame(taskException, seen, "one instance on both sides");
            if (cancelledBy.get() != null) assertSame(cancelledBy.get(), taskException);
            if (c.route() == Route.KOTLIN_TIMEOUT) assertInstanceOf(kotlinx.coroutines.TimeoutCancellationException.class, taskException);
            return null;
        });
    }
}
