package dev.aio4j.iteration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.LoopOptions.Threading;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncExitStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** AsyncExitStack: order, one close at a time, each started on the loop, try-with-resources' exception rule, under both threadings. */
@Timeout(60)
class ExitStackOrderTest {

    static LoopOptions options(Threading t) {
        return LoopOptions.defaults().withThreading(t);
    }

    /**
     * Closes that complete later on plain threads: each next close starts only after the previous
     * one completed, in reverse order, on the loop that closed the stack (Loop.current() is it);
     * the first failure in closing order is the stack's, the later ones suppressed in order.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void closesRunOneAtATimeInReverseOnTheLoopWithTheFirstFailureAndTheRestSuppressed(Threading threading) {
        Async.run(options(threading), l -> {
            for (int round = 0; round < 20; round++) {
                List<String> log = new CopyOnWriteArrayList<>();
                AtomicBoolean closing = new AtomicBoolean();
                List<RuntimeException> failures = new ArrayList<>();
                AsyncExitStack stack = AsyncExitStack.create();
                for (int i = 0; i < 8; i++) {
                    int k = i;
                    RuntimeException boom = k % 3 == 0 ? new IllegalStateException("close " + k) : null;
                    if (boom != null) {
                        failures.add(0, boom); // closing order is the reverse
                    }
                    stack.enter((AsyncCloseable) () -> {
                        String loopHere;
                        try {
                            loopHere = Loop.current() == l ? "on the loop" : "on another loop";
                        } catch (IllegalStateException e) {
                            loopHere = "off any loop";
                        }
                        log.add(k + " " + loopHere + (closing.getAndSet(true) ? " overlapping" : ""));
                        CompletableFuture<Void> done = new CompletableFuture<>();
                        Thread t = new Thread(() -> {
                            try {
                                Thread.sleep(1);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            closing.set(false);
                            if (boom != null) {
                                done.completeExceptionally(boom);
                            } else {
                                done.complete(null);
                            }
                        });
                        t.start();
                        return done;
                    });
                }
                CompletionStage<Void> c = l.createTaskAsync(stack::closeAsync);
                Throwable thrown = assertThrows(RuntimeException.class, () -> l.adopt(c).join());
                assertSame(failures.get(0), thrown, "the first failure in closing order");
                assertEquals(List.of(failures.get(1), failures.get(2)), List.of(thrown.getSuppressed()), "the later ones suppressed, in order");
                List<String> want = new ArrayList<>();
                for (int i = 7; i >= 0; i--) {
                    want.add(i + " on the loop");
                }
                assertEquals(want, log, "round " + round);
            }
            return null;
        });
    }

    /**
     * A stack found again inside its own closing (entered into itself, or through a cycle of two
     * stacks) counts as closed there, and its closing goes on: everything is closed once, in
     * reverse order, as asyncio's nested aclose() unwinds the rest. Before, the closing waited on
     * itself for ever, and the resources pushed before that entry were never closed (found from
     * outside, 2026-12-07).
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void aStackInsideItsOwnClosingCountsAsClosedThere(Threading threading) {
        Async.run(options(threading), l -> {
            List<String> log = new CopyOnWriteArrayList<>();
            AsyncExitStack self = AsyncExitStack.create();
            self.enter(logging(log, "inner"));
            self.enter(self);
            self.enter(logging(log, "top"));
            self.closeAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(List.of("top", "inner"), log);

            log.clear();
            AsyncExitStack a = AsyncExitStack.create();
            AsyncExitStack b = AsyncExitStack.create();
            a.enter(logging(log, "a1"));
            a.enter(b);
            a.enter(logging(log, "a2"));
            b.enter(logging(log, "b1"));
            b.enter(a);
            b.enter(logging(log, "b2"));
            a.close(); // the blocking form, on the body's thread
            assertEquals(List.of("a2", "b2", "b1", "a1"), log);
            b.closeAsync().toCompletableFuture().get(10, TimeUnit.SECONDS); // closed with a: nothing more
            assertEquals(4, log.size());
            return null;
        });
    }

    /** A resource whose close logs [name] a step later, so that the closing goes on from a callback. */
    private static AsyncCloseable logging(List<String> log, String name) {
        return () -> Async.sleepAsync(Duration.ofMillis(1)).thenRun(() -> log.add(name));
    }
}
