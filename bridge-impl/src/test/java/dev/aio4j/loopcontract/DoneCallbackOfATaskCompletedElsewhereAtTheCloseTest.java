package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A task completed on another thread is done (isDone() true) before that thread has run its
 * completion handlers, which queue its done callbacks. A main that sees it done and returns
 * closes the loop while that thread is still in the handlers: the close did not wait for it (a
 * done task is not among the pending ones it cancels and waits for; only blocking tasks' threads
 * were waited for), and the done callback, queued once the loop was closed, never ran. Here the
 * completing thread is held in an earlier handler (a plain dependent of the task's
 * CompletableFuture view, which runs where the task completes) for 200 ms: the callback was lost
 * in every round (2 of 2 threadings). The same window, a few instructions wide, is the likely way
 * KotlinTaskCancelMatrixTest lost a done callback once in a full-suite run (a task completed on
 * Dispatchers.Default, seen done by main's polling).
 */
@Timeout(60)
class DoneCallbackOfATaskCompletedElsewhereAtTheCloseTest {

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void theDoneCallbackRunsBeforeTheCloseReturns(LoopOptions.Threading threading) throws Exception {
        List<String> events = new ArrayList<>();
        CountDownLatch inHandler = new CountDownLatch(1);
        Thread[] completer = new Thread[1];
        Async.run(LoopOptions.defaults().withThreading(threading), loop -> {
            Promise<String> promise = loop.createPromise();
            promise.toCompletableFuture().whenComplete((v, e) -> { // on the completing thread, before the done callback is queued
                inHandler.countDown();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            promise.addDoneCallback(t -> {
                synchronized (events) {
                    events.add("done callback");
                }
            });
            completer[0] = new Thread(() -> promise.complete("x"));
            completer[0].start();
            inHandler.await(); // the promise is done now; its handlers are running on the completer
            return null;
        });
        synchronized (events) {
            events.add("close returned");
        }
        completer[0].join(10_000);
        TimeUnit.MILLISECONDS.sleep(50);
        synchronized (events) {
            assertEquals(List.of("done callback", "close returned"), events);
        }
    }
}
