package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A checked failure that a body passes on is the task's failure as it was first thrown, in both
 * body styles: a blocking body that lets join()'s TaskFailedException through fails with its cause,
 * as a non-blocking body that returns the failed task does; join() wraps it once either way. Before
 * (found from outside, 2026-12-07), the blocking task's failure was the wrapper, so exceptionNow(),
 * whenComplete, handle and gatherOutcomes saw TaskFailedException(IOException) in one style and the
 * IOException in the other.
 */
@Timeout(30)
class CheckedFailurePassedOnTest {

    @Test
    void aCheckedFailurePassedOnIsTheTasksFailureInBothStyles() {
        IOException boom = new IOException("boom");
        Async.run(loop -> {
            Task<Object> in = loop.createTask(() -> {
                throw boom;
            });
            Task<Object> blocking = loop.createTask(() -> in.join());
            Task<Object> nonBlocking = loop.createTaskAsync(() -> in);
            Task<Object> throughTimeout = loop.createTask(() -> Async.timeout(Duration.ofSeconds(10), () -> in.join()));
            Task<Object> throughStage = in.thenApply(v -> v).thenApply(v -> in.join()); // a function that joins
            Task<Object> throughGroup = loop.createTask(() -> Async.<Object>taskGroup((TaskGroup g) -> g.createTask(() -> in.join()).join()));
            for (Task<Object> t : List.of(blocking, nonBlocking, throughTimeout, throughStage, throughGroup)) {
                TaskFailedException e = assertThrows(TaskFailedException.class, t::join, t.toString());
                assertSame(boom, e.getCause(), t.toString());
                assertSame(boom, t.exceptionNow(), t + ": the failure as the first body threw it");
                assertSame(boom, ((Outcome.Failure<Object>) t.outcomeNow()).exception(), t.toString());
                assertSame(boom, t.handle((v, x) -> x).join(), t + ": what a derived stage's function gets");
            }
            return null;
        });
    }

    @Test
    void whatIsAddedToThePassedOnWrapperIsKept() {
        IOException boom = new IOException("boom");
        IllegalStateException closing = new IllegalStateException("closing failed");
        Async.run(loop -> {
            Task<Object> in = loop.createTask(() -> {
                throw boom;
            });
            Task<Object> t = loop.createTask(() -> {
                try {
                    return in.join();
                } catch (TaskFailedException e) {
                    e.addSuppressed(closing); // try-with-resources' close failure, say
                    throw e;
                }
            });
            assertThrows(TaskFailedException.class, t::join);
            assertSame(boom, t.exceptionNow());
            assertArrayEquals(new Throwable[] {closing}, boom.getSuppressed(), "the wrapper's suppressed go to the failure");
            return null;
        });
    }

    @Test
    void aWrapperThatIsNotAboutACheckedExceptionStays() {
        // TaskFailedException's contract is a checked cause; one made around an unchecked one is the body's own
        IllegalStateException unchecked = new IllegalStateException("x");
        TaskFailedException odd = new TaskFailedException("odd", unchecked);
        Async.run(loop -> {
            Task<Object> t = loop.createTask(() -> {
                throw odd;
            });
            assertSame(odd, assertThrows(TaskFailedException.class, t::join));
            assertEquals(odd, t.exceptionNow());
            return null;
        });
    }
}
