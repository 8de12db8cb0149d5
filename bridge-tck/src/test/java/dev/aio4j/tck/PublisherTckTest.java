package dev.aio4j.tck;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.Task;
import dev.aio4j.TaskState;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * The Reactive Streams TCK (TestNG, Surefire's TestNG provider) for
 * {@link AsyncIterable#toPublisher()} over a non-blocking generator, on a loop run by a thread
 * of its own for the whole class.
 */
public class PublisherTckTest extends FlowPublisherVerification<Long> {
    private Loop loop;
    private Thread loopThread;

    public PublisherTckTest() {
        super(new TestEnvironment(2_000, 100));
    }

    @BeforeClass
    public void startLoop() {
        loop = Async.newLoop();
        loopThread = new Thread(loop::runForever, "tck-loop");
        loopThread.start();
    }

    @AfterClass
    public void closeLoop() throws InterruptedException {
        loop.stop();
        loopThread.join();
        loop.close();
    }

    @Override
    public Flow.Publisher<Long> createFlowPublisher(long elements) {
        return loop.createTask(() -> AsyncIterable.<Long>generateAsync(out -> count(out, 0, elements)).toPublisher()).join();
    }

    /**
     * {@return null}: the TCK's way to say that no publisher of this kind is failed before anyone
     * requests. A walk starts at the subscriber's first request (kotlinx's asPublisher), so a
     * source that fails signals onError only then; bridge-impl's PublisherTest checks that it does, with the
     * same instance.
     */
    @Override
    public Flow.Publisher<Long> createFailedFlowPublisher() {
        return null;
    }

    /** Emits from until to, going on when emitAsync says there is room. */
    static CompletionStage<Void> count(AsyncEmitter<Long> out, long from, long to) {
        for (long i = from; i < to; i++) {
            Task<Void> room = out.emitAsync(i);
            if (room.state() != TaskState.SUCCESS) { // full (pending), or closed (failed): go on when it completes
                long next = i + 1;
                return room.thenCompose(v -> count(out, next, to));
            }
        }
        return CompletableFuture.completedFuture(null);
    }
}
