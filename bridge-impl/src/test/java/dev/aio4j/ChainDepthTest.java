package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chains thousands of links long, of every kind of link that completes or cancels the next one
 * from its own completion or cancellation (DerivedTaskTest has thenCompose and thenApply): a
 * gather of a gather of ..., adopt of a task's CompletableFuture view, a non-blocking body that
 * returns the previous task's view, thenCombine and applyToEither. Before the fix, each link went
 * one group of frames deeper: from about a thousand links, a StackOverflowError was reported as a
 * completion handler's failure (or lost in a CompletableFuture) and the top never completed, or
 * cancel() threw it (found from outside on 2026-12-05).
 */
class ChainDepthTest {

    static final int LINKS = Integer.getInteger("chain.links", 5_000);

    /** A kind of link: the next task of a chain, made from the one before, on [loop]. */
    interface Link extends BiFunction<Loop, Task<Object>, Task<Object>> {
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> links() {
        Link gather = (loop, prev) -> (Task<Object>) (Task<?>) Async.gather(prev);
        Link gatherOutcomes = (loop, prev) -> (Task<Object>) (Task<?>) Async.gatherOutcomes(prev);
        Link adoptView = (loop, prev) -> loop.adopt(prev.toCompletableFuture());
        Link bodyReturnsView = (loop, prev) -> loop.createTaskAsync(prev::toCompletableFuture);
        Link combine = (loop, prev) -> {
            Promise<Object> one = loop.createPromise();
            one.complete(1);
            return prev.thenCombine(one, (a, b) -> a);
        };
        Link either = (loop, prev) -> prev.applyToEither(loop.createPromise(), a -> a);
        return Stream.of(
                Arguments.of("gather", gather),
                Arguments.of("gatherOutcomes", gatherOutcomes),
                Arguments.of("adopt(view)", adoptView),
                Arguments.of("createTaskAsync(view)", bodyReturnsView),
                Arguments.of("thenCombine", combine),
                Arguments.of("applyToEither", either));
    }

    /** What happened at the top, and what the loop's exception handler got: "state; reports". */
    static String chain(Link link, String how) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Async.run(loop -> {
            List<ExceptionContext> reports = new CopyOnWriteArrayList<>();
            loop.setExceptionHandler((l, context) -> reports.add(context));
            Promise<Object> bottom = loop.createPromise();
            Task<Object> top = bottom;
            for (int i = 0; i < LINKS; i++) {
                top = link.apply(loop, top);
            }
            Task<Object> last = top;
            Throwable[] thrown = new Throwable[1];
            Runnable event = switch (how) {
                case "complete" -> () -> bottom.complete("x");
                case "fail" -> () -> bottom.fail(new IllegalStateException("bottom"));
                case "cancel the bottom" -> bottom::cancel;
                default -> () -> {
                    try {
                        last.cancel();
                    } catch (Throwable e) {
                        thrown[0] = e;
                    }
                };
            };
            if (how.equals("complete from another thread")) { // the chain completes on that thread
                Thread t = new Thread(() -> bottom.complete("x"));
                t.start();
                t.join();
            } else {
                loop.callSoon(event);
            }
            for (Task<Object> end : List.of(last, bottom)) { // a link that follows a stage (a view) is done when it cancels it, before the rest of the chain
                try {
                    end.join(Duration.ofSeconds(20));
                } catch (RuntimeException e) {
                    // the state says how it ended
                }
            }
            assertNull(thrown[0], "cancel() threw");
            return last.state() + (how.equals("cancel the top") ? ", bottom " + bottom.state() : "") + "; reports " + reports;
        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("links")
    void aChainCompletesFromItsBottom(String kind, Link link) {
        assertEquals("SUCCESS; reports []", chain(link, "complete"));
        assertEquals("SUCCESS; reports []", chain(link, "complete from another thread"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("links")
    void aChainFailsOrIsCancelledFromItsBottom(String kind, Link link) {
        String failed = kind.equals("gatherOutcomes") ? "SUCCESS" : "FAILED";
        String cancelled = kind.equals("gatherOutcomes") ? "SUCCESS" : "CANCELLED";
        assertEquals(failed + "; reports []", chain(link, "fail"));
        assertEquals(cancelled + "; reports []", chain(link, "cancel the bottom"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("links")
    void aChainIsCancelledFromItsTopDownToItsBottom(String kind, Link link) {
        assertEquals("CANCELLED, bottom CANCELLED; reports []", chain(link, "cancel the top"));
    }
}
