package dev.aio4j.samples;

import static dev.aio4j.samples.support.Checks.check;
import static dev.aio4j.samples.support.Checks.checkEquals;

import dev.aio4j.Async;
import dev.aio4j.stream.AsyncExitStack;
import dev.aio4j.stream.AsyncResource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sample 13: {@code async with} a connection whose open and close are asynchronous: a line
 * protocol to an echo server the sample starts on 127.0.0.1. The connection is used with
 * {@code Async.using} (blocking body), {@code Async.usingAsync} (non-blocking body), in
 * try-with-resources, and several at once in an {@link AsyncExitStack}; one body fails, and one
 * close fails too.
 *
 * <p>Shows: close always runs, once per connection, whether the body returns or fails; the body's
 * failure is what the caller gets, the close's is added to it as suppressed (try-with-resources'
 * rule); the server sees every connection closed.
 */
public final class AsyncWithConnection {
    private AsyncWithConnection() {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        try (EchoServer server = EchoServer.start()) {
            Async.run(loop -> {
                // blocking body
                Connection[] used = new Connection[1];
                String reply = Async.using(() -> Connection.open(server.port()).toCompletableFuture().join(), c -> {
                    used[0] = c;
                    return c.ask("hello");
                });
                System.out.println("  using, blocking body: " + reply);
                checkEquals("echo hello", reply, "the body's result");
                checkEquals(1, used[0].closes.get(), "close ran once after the body");

                // non-blocking body
                Connection[] usedAsync = new Connection[1];
                String replyAsync = Async.usingAsync(() -> Connection.open(server.port()), c -> {
                    usedAsync[0] = c;
                    return Async.toThread(() -> c.ask("async"));
                }).join();
                System.out.println("  usingAsync, non-blocking body: " + replyAsync);
                checkEquals("echo async", replyAsync, "the non-blocking body's result");
                checkEquals(1, usedAsync[0].closes.get(), "close ran once after the body's stage");

                // a body that fails, on a connection whose close fails too
                IllegalStateException bodyFailure = new IllegalStateException("the body failed");
                Connection[] failing = new Connection[1];
                try {
                    Async.using(() -> Connection.open(server.port()).toCompletableFuture().join(), c -> {
                        failing[0] = c;
                        c.failOnClose = true;
                        c.ask("about to fail");
                        throw bodyFailure;
                    });
                    check(false, "the body's failure did not arrive");
                } catch (IllegalStateException e) {
                    System.out.println("  a failing body: " + e.getMessage() + ", suppressed: " + List.of(e.getSuppressed()));
                    check(e == bodyFailure, "the body's failure wins: " + e);
                    check(e.getSuppressed().length == 1 && e.getSuppressed()[0].getMessage().contains("close failed"),
                            "the close's failure is suppressed: " + List.of(e.getSuppressed()));
                    checkEquals(1, failing[0].closes.get(), "close ran once after the failing body");
                }

                // try-with-resources: close() waits for closeAsync()
                Connection plain;
                try (Connection c = Connection.open(server.port()).toCompletableFuture().join()) {
                    plain = c;
                    c.ask("try");
                }
                check(plain.closed, "try-with-resources returned after the close completed");

                // several at once: closed in reverse order
                List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
                Async.using(AsyncExitStack::create, stack -> {
                    for (String name : List.of("a", "b", "c")) {
                        Connection c = stack.enterAsync(Connection.open(server.port())).join();
                        c.onClose = () -> order.add(name);
                        c.ask(name);
                    }
                    return null;
                });
                System.out.println("  an exit stack closed its connections in the order " + order);
                checkEquals(List.of("c", "b", "a"), order, "the exit stack closes in reverse order");
                return null;
            });
            server.awaitAllClosed();
            System.out.printf("  the server saw %d connections, all closed%n", server.accepted.get());
            checkEquals(7, server.accepted.get(), "connections opened");
        }
    }

    /** A connection to the echo server: open and close are asynchronous (they run on to_thread's pool). */
    static final class Connection implements AsyncResource {
        private final Socket socket;
        private final BufferedReader in;
        private final PrintWriter out;
        final AtomicInteger closes = new AtomicInteger();
        volatile boolean closed;
        volatile boolean failOnClose;
        volatile Runnable onClose = () -> {};
        private CompletableFuture<Void> closing;

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            this.out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        /** Connects without blocking the caller: the connect runs on a thread of to_thread's pool. */
        static CompletionStage<Connection> open(int port) {
            return Async.toThread(() -> new Connection(new Socket(InetAddress.getLoopbackAddress(), port)));
        }

        /** Sends a line and waits for the answer (blocking; call it from a blocking body or to_thread). */
        String ask(String line) throws IOException {
            out.println(line);
            return in.readLine();
        }

        /** Says goodbye and closes the socket on to_thread's pool; once, whoever asks. */
        @Override
        public synchronized CompletionStage<Void> closeAsync() {
            if (closing == null) {
                closes.incrementAndGet();
                onClose.run();
                closing = Async.toThread(() -> {
                    out.println("BYE");
                    socket.close();
                    closed = true;
                    if (failOnClose) {
                        throw new IOException("close failed (as this sample asked)");
                    }
                    return (Void) null;
                }).toCompletableFuture();
            }
            return closing;
        }
    }

    /** A line echo server on 127.0.0.1, a thread per connection; counts what it accepted and saw closed. */
    static final class EchoServer implements AutoCloseable {
        private final ServerSocket socket;
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger disconnected = new AtomicInteger();

        private EchoServer(ServerSocket socket) {
            this.socket = socket;
        }

        static EchoServer start() throws IOException {
            EchoServer server = new EchoServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            Thread acceptor = new Thread(server::acceptLoop, "echo-server");
            acceptor.setDaemon(true);
            acceptor.start();
            return server;
        }

        int port() {
            return socket.getLocalPort();
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    accepted.incrementAndGet();
                    Thread t = new Thread(() -> serve(s), "echo-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void serve(Socket s) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null && !line.equals("BYE"); line = in.readLine()) {
                    out.println("echo " + line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                synchronized (this) {
                    disconnected.incrementAndGet();
                    notifyAll();
                }
            }
        }

        synchronized void awaitAllClosed() throws InterruptedException {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (disconnected.get() < accepted.get() && System.nanoTime() < deadline) {
                wait(100);
            }
            checkEquals(accepted.get(), disconnected.get(), "connections the server saw closed");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
