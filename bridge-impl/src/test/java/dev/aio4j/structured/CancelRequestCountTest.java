package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.internal.TaskImpl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * asyncio's cancelling() after each scope: a scope that fired takes back exactly its own request,
 * so the task's count of pending requests (TaskImpl.cancelRequests) is back to zero, and no
 * interrupt is left, after every way a scope can end.
 */
@Timeout(60)
class CancelRequestCountTest {

    private static int requests() {
        return ((TaskImpl<?>) Async.currentTask()).getCancelRequests();
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void everyScopeTakesBackExactlyItsOwnRequest(Threading threading) {
        List<String> wrong = Async.run(ScopeSupport.options(threading), loop -> {
            List<String> w = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(1), () -> {
                    Async.sleep(Duration.ofMinutes(1));
                    return null;
                }));
                note(w, "a timeout that fired");
                Async.timeout(Duration.ofMillis(1), () -> {
                    ScopeSupport.busyFor(Duration.ofMillis(3));
                    return "returned after the deadline";
                });
                note(w, "a timeout that fired while the body was busy and returned");
                assertThrows(AsyncTimeoutException.class, () -> Async.timeout(Duration.ofMillis(2), () -> Async.timeout(Duration.ofMillis(1), () -> {
                    ScopeSupport.busyFor(Duration.ofMillis(5));
                    Async.sleep(Duration.ofMinutes(1));
                    return null;
                })));
                note(w, "nested timeouts that both fired");
                // the child's failure, or, when the deadline passed before the child ran (a loaded
                // machine need not start it within the body's 3 ms), the timeout: either is asyncio's
                Exception ended = assertThrows(Exception.class, () -> Async.timeout(Duration.ofMillis(1), () -> Async.taskGroup(tg -> {
                    tg.createTask(() -> {
                        throw new IllegalStateException("child");
                    });
                    ScopeSupport.busyFor(Duration.ofMillis(3));
                    Async.sleep(Duration.ofMinutes(1));
                    return null;
                })));
                if (!(ended instanceof IllegalStateException || ended instanceof AsyncTimeoutException)) {
                    throw new AssertionError("neither the child's failure nor the timeout", ended);
                }
                note(w, "a group whose child failed inside a timeout that fired");
                assertThrows(AsyncTimeoutException.class, () -> Async.taskGroup(tg -> {
                    return Async.timeout(Duration.ofMillis(1), () -> {
                        Async.sleep(Duration.ofMinutes(1));
                        return null;
                    });
                }));
                note(w, "a timeout that fired inside a group");
                try {
                    Async.timeout(Duration.ofMillis(1), () -> {
                        try {
                            Async.sleep(Duration.ofMinutes(1));
                        } catch (CancellationException e) {
                            return Async.timeout(Duration.ofMillis(1), () -> {
                                Async.sleep(Duration.ofMinutes(1));
                                return null;
                            });
                        }
                        return null;
                    });
                } catch (AsyncTimeoutException expected) {
                    // the inner one's, or the outer one's
                }
                note(w, "a timeout in the handler of an outer timeout's cancellation");
                if (w.size() > 3) break;
            }
            return w;
        });
        assertEquals(List.of(), wrong);
    }

    private static void note(List<String> wrong, String after) {
        int n = requests();
        boolean interrupted = Thread.interrupted();
        if (n != 0 || interrupted) wrong.add("after " + after + ": " + n + " requests pending, interrupted " + interrupted);
    }
}
