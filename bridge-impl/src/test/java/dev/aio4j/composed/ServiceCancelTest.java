package dev.aio4j.composed;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import dev.aio4j.Async;
import dev.aio4j.AsyncTimeoutException;
import dev.aio4j.Done;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.ReturnWhen;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncSemaphore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An HTTP service whose handlers run on a loop (running for ever on a thread of its own) and fan
 * out with gather+waitFor, wait(FIRST_COMPLETED) in a task group (hedging), asCompleted (first 2
 * of 3) and a shielded commit under a lock; the server cancels a request at a random moment (its
 * deadline), and a client may give up sooner. Checks: each answered request is correct, every
 * commit that started finished once, the pool's permits and the lock are back, nothing of the
 * loop is left pending, and the loop's threads end with it.
 */
class ServiceCancelTest {
    static final int REQUESTS = Integer.getInteger("composed.requests", 240);
    static final int EXPECTED = 6 + 10 + 200;

    final AsyncSemaphore pool = AsyncSemaphore.create(3);
    final AsyncLock lock = AsyncLock.create();
    final AtomicInteger commitsStarted = new AtomicInteger(), commitsDone = new AtomicInteger();
    final AtomicInteger inBackend = new AtomicInteger();
    final Set<Task<?>> spawned = ConcurrentHashMap.newKeySet();
    final List<String> errors = new ArrayList<>();

    <T> Task<T> track(Task<T> t) { spawned.add(t); return t; }

    static void pause() {
        Async.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(0, 1_500_000)));
    }

    int backend(int v) throws IOException {
        try (var held = pool.acquire()) {
            assertNotNull(held);
            inBackend.incrementAndGet();
            try {
                pause();
                return v;
            } finally {
                inBackend.decrementAndGet();
            }
        }
    }

    CompletionStage<Integer> backendAsync(int v) {
        return pool.withPermitAsync(() -> {
            inBackend.incrementAndGet();
            return Async.sleepAsync(Duration.ofNanos(ThreadLocalRandom.current().nextLong(0, 1_500_000)))
                    .whenComplete((x, e) -> inBackend.decrementAndGet())
                    .thenApply(x -> v);
        });
    }

    int handleBlocking(Loop loop) throws Exception {
        List<Task<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) { int v = i; calls.add(track(loop.createTask(() -> backend(v)))); }
        int sum = 0;
        for (int x : Async.waitFor(Async.gather(calls), Duration.ofSeconds(5)).join()) sum += x;
        sum += Async.taskGroup(g -> {
            Task<Integer> a = track(g.createTask(() -> backend(10)));
            Task<Integer> b = track(g.createTask(() -> backend(10)));
            Done<Integer> d = Async.wait(List.of(a, b), ReturnWhen.FIRST_COMPLETED).join();
            for (Task<Integer> p : d.pending()) p.cancel();
            return d.done().iterator().next().join();
        });
        List<Task<Integer>> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) three.add(track(loop.createTask(() -> backend(100))));
        try {
            int k = 0;
            for (Task<Integer> t : Async.asCompleted(three)) {
                sum += t.join();
                if (++k == 2) break;
            }
        } finally {
            for (Task<Integer> t : three) t.cancel();
        }
        Async.shield(track(loop.createTask(() -> lock.withLock(() -> {
            commitsStarted.incrementAndGet();
            pause();
            commitsDone.incrementAndGet();
        })))).join();
        return sum;
    }

    CompletionStage<Integer> handleAsync(Loop loop) {
        List<Task<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) { int v = i; calls.add(track(loop.createTaskAsync(() -> backendAsync(v)))); }
        return Async.waitFor(Async.gather(calls), Duration.ofSeconds(5))
                .thenApply(vals -> vals.stream().mapToInt(Integer::intValue).sum())
                .thenCompose(s -> Async.<Integer>taskGroupAsync(g -> {
                    Task<Integer> a = track(g.createTaskAsync(() -> backendAsync(10)));
                    Task<Integer> b = track(g.createTaskAsync(() -> backendAsync(10)));
                    return Async.wait(List.of(a, b), ReturnWhen.FIRST_COMPLETED).thenApply(d -> {
                        for (Task<Integer> p : d.pending()) p.cancel();
                        return s + d.done().iterator().next().resultNow();
                    });
                }))
                .thenCompose(s -> {
                    List<Task<Integer>> three = new ArrayList<>();
                    for (int i = 0; i < 3; i++) three.add(track(loop.createTaskAsync(() -> backendAsync(100))));
                    var it = Async.asCompletedAsync(three).asyncIterator();
                    return it.hasNext().thenCompose(h1 -> it.next().thenCompose(x1 ->
                                    it.hasNext().thenCompose(h2 -> it.next().thenApply(x2 -> s + x1 + x2))))
                            .whenComplete((v, e) -> { for (Task<Integer> t : three) t.cancel(); it.closeAsync(); });
                })
                .thenCompose(s -> Async.shield(track(loop.createTaskAsync(() -> lock.withLockAsync(() -> {
                    commitsStarted.incrementAndGet();
                    return Async.sleepAsync(Duration.ofNanos(ThreadLocalRandom.current().nextLong(0, 1_500_000)))
                            .thenApply(x -> { commitsDone.incrementAndGet(); return s; });
                })))));
    }

    @ParameterizedTest
    @CsvSource({"SINGLE_THREAD,false", "SINGLE_THREAD,true", "DEFAULT_DISPATCHER,false", "DEFAULT_DISPATCHER,true"})
    void service(LoopOptions.Threading threading, boolean async) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
        loop.setExceptionHandler((l, ctx) -> { synchronized (errors) { errors.add("reported: " + ctx.message() + " " + ctx.exception()); } });
        Thread loopThread = new Thread(loop::runForever, "service-loop");
        loopThread.start();
        Set<Task<?>> requests = ConcurrentHashMap.newKeySet();
        AtomicInteger ok = new AtomicInteger(), cut = new AtomicInteger();

        ExecutorService handlers = Executors.newFixedThreadPool(4);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        server.createContext("/", ex -> {
            Task<Integer> t = async ? loop.createTaskAsync(() -> handleAsync(loop)) : loop.createTask(() -> handleBlocking(loop));
            requests.add(t);
            long deadlineMicros = ThreadLocalRandom.current().nextLong(0, 25_000);
            int code;
            String body;
            try {
                body = String.valueOf(t.join(Duration.ofNanos(deadlineMicros * 1000)));
                code = 200;
            } catch (AsyncTimeoutException e) {
                t.cancel();
                code = 504;
                body = "timeout";
            } catch (CancellationException e) {
                code = 504;
                body = "cancelled";
            } catch (RuntimeException e) {
                code = 500;
                body = e.toString();
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, bytes.length);
            try (OutputStream os = ex.getResponseBody()) { os.write(bytes); }
        });
        server.start();
        HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2)).build();
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < REQUESTS; i += 4) {
                List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
                for (int j = 0; j < 4; j++) batch.add(client.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
                for (var f : batch) {
                    HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
                    if (r.statusCode() == 200) { ok.incrementAndGet(); assertEquals(String.valueOf(EXPECTED), r.body()); }
                    else if (r.statusCode() == 504) cut.incrementAndGet();
                    else fail("status " + r.statusCode() + ": " + r.body());
                }
            }
            // every request task ends; the shielded commits may outlive their request, briefly
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end && !(allDone(requests) && allDone(spawned) && loop.allTasks().isEmpty())) Thread.sleep(5);
            assertTrue(allDone(requests), "request tasks pending");
            List<String> pending = new ArrayList<>();
            for (Task<?> t : spawned) if (!t.isDone()) pending.add(t.name() + " " + t.state());
            assertEquals(List.of(), pending, "spawned tasks pending");
            assertEquals(Set.of(), loop.allTasks(), "loop tasks pending");
            assertEquals(commitsStarted.get(), commitsDone.get(), "commits cut short");
            assertEquals(0, inBackend.get(), "backend calls still in");
            assertEquals(3, pool.availablePermits(), "pool permits");
            assertFalse(lock.isLocked(), "lock held");
            assertTrue(commitsDone.get() >= ok.get());
            synchronized (errors) { assertEquals(List.of(), errors); }
            System.out.println(threading + " async=" + async + ": ok " + ok + " cut " + cut + " commits " + commitsDone);
        } finally {
            server.stop(0);
            handlers.shutdownNow();
            loop.callSoon(loop::stop);
            loopThread.join(10_000);
            loop.close();
        }
        // the loop's threads end with it (JDK threads of the HTTP server and client excepted)
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> extra;
        do {
            extra = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (before.contains(t) || !t.isAlive()) continue;
                String n = t.getName();
                if (n.startsWith("HttpClient") || n.startsWith("pool-") || n.contains("server-timer") || n.startsWith("ForkJoinPool") || n.startsWith("DefaultDispatcher-worker") || n.startsWith("kotlinx.coroutines.DefaultExecutor")
                        || n.startsWith("HTTP-Dispatcher") || n.startsWith("idle-timeout") || n.startsWith("Common-Cleaner")
                        || n.startsWith("InnocuousThread") || n.startsWith("Attach") || n.startsWith("process reaper")) continue;
                extra.add(n + " " + t.getState());
            }
            if (extra.isEmpty()) break;
            Thread.sleep(20);
        } while (System.nanoTime() < end);
        assertEquals(List.of(), extra, "threads left alive after the loop closed");
    }

    static boolean allDone(Set<Task<?>> ts) {
        for (Task<?> t : ts) if (!t.isDone()) return false;
        return true;
    }
}
