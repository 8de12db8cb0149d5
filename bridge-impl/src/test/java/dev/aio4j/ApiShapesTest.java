package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncResource;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncSemaphore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The shapes a Java user writes first: each must compile exactly as written here (no casts, no
 * {@code return null}), and picks the form the comment says, which the assertions check.
 */
class ApiShapesTest {
    private static final AtomicInteger WORK = new AtomicInteger();

    private static void work() {
        WORK.incrementAndGet();
    }

    private static String fetch(String key) {
        return "page " + key;
    }

    private static CompletionStage<String> openAsync(String name) throws IOException {
        if (name.isEmpty()) throw new IOException("no name");
        return CompletableFuture.completedFuture("opened " + name);
    }

    @Test
    void voidBodiesCompileAndValueBodiesStillPickTheValueForm() {
        WORK.set(0);
        Async.run(() -> { // a void main: asyncio.run(main()) of an async def main()
            Loop loop = Loop.current();
            Task<Void> a = loop.createTask(() -> { work(); });
            Task<Void> b = loop.createTask("named", () -> work());
            Task<String> c = loop.createTask(() -> fetch("c"));       // a value: the Callable form
            Task<String> d = loop.createTask(() -> { return fetch("d"); });
            assertNull(a.join());
            assertNull(b.join());
            assertEquals("page c", c.join());
            assertEquals("page d", d.join());
            Async.taskGroup(tg -> { // a group body that only starts tasks
                tg.createTask(() -> { work(); });
                tg.createTask(() -> work());
            });
            int n = Async.taskGroup(tg -> {
                Task<Integer> x = tg.createTask(() -> 20);
                return x.join() + 1;
            });
            assertEquals(21, n);
            String literal = Async.taskGroup(tg -> "x"); // not a method call: the value form
            assertEquals("x", literal);
        });
        assertEquals(4, WORK.get());
        String value = Async.run(loop -> loop.createTask(() -> fetch("v")).join()); // still the value form
        assertEquals("page v", value);
    }

    @Test
    void nonBlockingBodiesMayThrowCheckedExceptions() {
        Async.run(loop -> {
            Task<String> opened = loop.createTaskAsync(() -> openAsync("x"));
            assertEquals("opened x", opened.join());
            Task<String> failed = loop.createTaskAsync(() -> openAsync(""));
            TaskFailedException e = assertThrows(TaskFailedException.class, failed::join);
            assertInstanceOf(IOException.class, e.getCause(), "wrapped once, by the exception rule");
            assertInstanceOf(IOException.class, failed.exceptionNow(), "as thrown");
            Task<String> timed = Async.timeoutAsync(Duration.ofSeconds(10), () -> openAsync("t"));
            assertEquals("opened t", timed.join());
            Task<String> grouped = Async.taskGroupAsync(tg -> tg.createTaskAsync(() -> openAsync("g")));
            assertEquals("opened g", grouped.join());
            AsyncLock lock = AsyncLock.create();
            Task<String> locked = lock.withLockAsync(() -> openAsync("l"));
            assertEquals("opened l", locked.join());
            AsyncSemaphore sem = AsyncSemaphore.create(1);
            Task<String> permitted = sem.withPermitAsync(() -> openAsync("p"));
            assertEquals("opened p", permitted.join());
            Task<String> lockFailed = lock.withLockAsync(() -> openAsync(""));
            TaskFailedException le = assertThrows(TaskFailedException.class, lockFailed::join);
            assertInstanceOf(IOException.class, le.getCause(), "wrapped once, by the exception rule");
            assertInstanceOf(IOException.class, lockFailed.exceptionNow(), "as thrown");
            Task<String> semFailed = sem.withPermitAsync(() -> openAsync(""));
            assertInstanceOf(IOException.class, assertThrows(TaskFailedException.class, semFailed::join).getCause());
            assertFalse(lock.isLocked(), "released after the body threw");
            assertEquals(1, sem.availablePermits(), "given back after the body threw");
            return null;
        });
        assertEquals("opened r", Async.runAsync(loop -> openAsync("r")));
    }

    private static CompletionStage<AsyncResource> connectAsync(String name) throws IOException {
        if (name.isEmpty()) throw new IOException("no host");
        return CompletableFuture.completedFuture(() -> CompletableFuture.completedFuture(null));
    }

    private static void write(List<String> out, int x) throws IOException {
        if (x < 0) throw new IOException("negative");
        out.add("w" + x);
    }

    private static CompletionStage<Void> writeAsync(List<String> out, int x) throws IOException {
        write(out, x);
        return CompletableFuture.completedFuture(null);
    }

    private static int parse(String s) throws IOException {
        if (s.isEmpty()) throw new IOException("empty");
        return Integer.parseInt(s);
    }

    private static boolean even(int x) throws IOException {
        if (x < 0) throw new IOException("negative");
        return x % 2 == 0;
    }

    private static CompletionStage<Void> produce(AsyncEmitter<String> out) throws IOException {
        out.emitAsync("1");
        out.emitAsync("2");
        return out.emitAsync("4");
    }

    @Test
    void streamBodiesMayThrowCheckedExceptions() {
        Async.run(loop -> {
            Task<String> used = Async.usingAsync(() -> connectAsync("h"), c -> openAsync("via connection"));
            assertEquals("opened via connection", used.join());
            AsyncIterable<String> source = AsyncIterable.generateAsync(out -> produce(out));
            AsyncIterable<Integer> numbers = source.map(s -> parse(s)).filter(x -> even(x));
            List<String> written = new ArrayList<>();
            numbers.forEach(x -> write(written, x)).join();
            numbers.forEachAsync(x -> writeAsync(written, x)).join();
            assertEquals(List.of("w2", "w4", "w2", "w4"), written);
            // value-returning lambdas and method references, no casts
            int[] sum = {0};
            numbers.forEach(x -> sum[0] += x).join();
            assertEquals(6, sum[0]);
            Task<List<Integer>> lengths = source.map(String::length).toList();
            assertEquals(List.of(1, 1, 1), lengths.join());
            Task<Integer> fromResource = Async.usingAsync(() -> connectAsync("h"), c -> CompletableFuture.completedFuture(42));
            assertEquals(42, fromResource.join());
            Task<String> failed = Async.usingAsync(() -> connectAsync(""), c -> openAsync("never"));
            TaskFailedException e = assertThrows(TaskFailedException.class, failed::join);
            assertInstanceOf(IOException.class, e.getCause(), "wrapped once, by the exception rule");
            assertInstanceOf(IOException.class, failed.exceptionNow(), "as thrown");
            return null;
        });
    }

    @Test
    void derivedStagesAreTasksOfTheSameLoop() {
        Async.run(loop -> {
            Task<Integer> t = loop.createTask(() -> 20);
            Task<Integer> derived = t.thenApply(v -> v + 1);
            Task<String> composed = derived.thenCompose(v -> loop.createTask(() -> "r" + v));
            assertEquals("r21", composed.join());
            assertSame(loop, composed.loop());
            assertEquals(TaskState.SUCCESS, derived.state());
            return null;
        });
    }

    @Test
    void waitAndAsCompletedTakeTasksOfMixedTypes() {
        Async.run(loop -> {
            Task<String> s = loop.createTask(() -> "s");
            Task<Integer> i = loop.createTask(() -> 1);
            Done<?> done = Async.wait(List.of(s, i)).join();
            assertEquals(2, done.done().size());
            List<Object> results = new ArrayList<>();
            for (Task<?> t : Async.asCompleted(List.of(s, i))) results.add(t.resultNow());
            assertTrue(results.containsAll(List.of("s", 1)), results.toString());
            Done<?> typed = Async.wait(List.of(s, i), ReturnWhen.ALL_COMPLETED, Duration.ofSeconds(10)).join();
            assertEquals(2, typed.done().size());
            Async.asCompletedAsync(List.of(s, i));
            return null;
        });
    }
}
