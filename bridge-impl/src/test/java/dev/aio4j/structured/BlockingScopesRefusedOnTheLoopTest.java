package dev.aio4j.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.aio4j.Async;
import dev.aio4j.LoopOptions.Threading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The blocking scopes refuse a loop's thread in both threadings (under DEFAULT_DISPATCHER: its workers). */
@Timeout(60)
class BlockingScopesRefusedOnTheLoopTest {

    @ParameterizedTest
    @EnumSource(Threading.class)
    void theBlockingScopesAreRefusedInANonBlockingBody(Threading threading) {
        List<String> wrong = Async.runAsync(ScopeSupport.options(threading), loop -> {
            List<String> w = new ArrayList<>();
            check(w, "Async.timeout", () -> Async.timeout(Duration.ofSeconds(1), () -> "x"));
            check(w, "Async.timeoutScope", () -> Async.timeoutScope(Duration.ofSeconds(1), scope -> "x"));
            check(w, "Async.taskGroup", () -> Async.taskGroup(tg -> "x"));
            check(w, "asCompleted next()", () -> Async.asCompleted(List.of(Async.sleepAsync(Duration.ofSeconds(1)))).iterator().next());
            return CompletableFuture.completedFuture(w);
        });
        assertEquals(List.of(), wrong);
        assertFalse(Thread.currentThread().isInterrupted());
    }

    private static void check(List<String> wrong, String what, Callable<?> call) {
        try {
            Object r = call.call();
            wrong.add(what + " ran on the loop and returned " + r);
        } catch (IllegalStateException e) {
            if (e instanceof CancellationException) wrong.add(what + " threw a cancellation: " + e);
        } catch (Throwable e) {
            wrong.add(what + " threw " + e);
        }
    }
}
