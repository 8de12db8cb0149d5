package dev.aio4j.samples;

import dev.aio4j.Async;
import dev.aio4j.Promise;
import dev.aio4j.Task;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.QueueShutDownException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sample 14: a small query service. Clients put requests into an {@link AsyncQueue}; consumer
 * tasks take them, run SQL on an embedded H2 database with a connection borrowed from a small pool
 * (itself an {@code AsyncQueue} of connections: borrowing waits while all are lent), the blocking
 * JDBC call on {@link Async#toThread}'s threads, and answer each request through its own
 * {@link Promise}. {@link AsyncQueue#join()} waits until every request has been handled;
 * {@link AsyncQueue#shutdown()} then lets the consumers go.
 *
 * <p>The database is slowed down on purpose: each query first calls {@code SLEEP_MS}, a SQL
 * function bound to {@code Thread.sleep}, to stand for a remote database.
 *
 * <p>Shows: every request is answered, with the right answer; the pool never lends more than its
 * {@value #POOL_SIZE} connections although {@value #CONSUMERS} consumers compete for them;
 * {@code join()} returns only once every request has been answered.
 */
public final class QueryService {
    private QueryService() {}

    private static final int POOL_SIZE = 2;
    private static final int CONSUMERS = 4;
    private static final int REQUESTS = 12;
    private static final Duration QUERY_LATENCY = Duration.ofMillis(60);
    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** A request: which customer's orders to sum up, and where the answer goes. */
    private record Request(String customer, Promise<String> reply) {}

    /**
     * Runs the sample, prints what it shows and checks its claims.
     *
     * @throws AssertionError if a claim does not hold
     * @throws Exception if the sample cannot run
     */
    public static void run() throws Exception {
        System.out.printf("A query service: %d consumers, a pool of %d connections, %d requests of %d ms each%n",
                CONSUMERS, POOL_SIZE, REQUESTS, QUERY_LATENCY.toMillis());
        String url = "jdbc:h2:mem:query-service-" + DATABASES.incrementAndGet();
        try (ConnectionPool pool = new ConnectionPool(url, POOL_SIZE)) {
            pool.withConnection(QueryService::createDatabase);
            Async.run(loop -> {
                AsyncQueue<Request> requests = AsyncQueue.create(4); // a bounded queue: clients wait while it is full
                List<Task<Integer>> consumers = new ArrayList<>();
                for (int i = 0; i < CONSUMERS; i++) {
                    consumers.add(loop.createTask("consumer-" + (i + 1), () -> consume(requests, pool)));
                }

                // The clients: non-blocking, each request answered through its own promise.
                long start = System.nanoTime();
                List<String> customers = List.of("alice", "bob", "carol", "dave");
                List<Promise<String>> replies = new ArrayList<>();
                List<Task<Void>> submissions = new ArrayList<>();
                for (int i = 0; i < REQUESTS; i++) {
                    Promise<String> reply = loop.createPromise();
                    replies.add(reply);
                    submissions.add(requests.putAsync(new Request(customers.get(i % customers.size()), reply)));
                }
                long pendingBeforeJoin = replies.stream().filter(r -> !r.isDone()).count();

                requests.join(); // await queue.join(): every request taken and marked done
                long answeredAtJoin = replies.stream().filter(Task::isDone).count();
                long millis = (System.nanoTime() - start) / 1_000_000;
                Async.gather(submissions).join();
                List<String> answers = Async.gather(replies).join();
                requests.shutdown(); // the consumers waiting in get() leave with QueueShutDownException
                int served = Async.gather(consumers).join().stream().mapToInt(Integer::intValue).sum();

                for (int i = 0; i < customers.size(); i++) {
                    System.out.printf("  %s%n", answers.get(i));
                }
                System.out.printf("  %d requests answered in %d ms by %d consumers; at most %d of %d connections lent at once%n",
                        served, millis, CONSUMERS, pool.mostLent(), POOL_SIZE);
                System.out.printf("  join() returned with %d of %d answered (%d were pending when the last was submitted)%n",
                        answeredAtJoin, REQUESTS, pendingBeforeJoin);

                List<String> expected = List.of("alice: 3 orders, 114.50", "bob: 1 orders, 20.00", "carol: 2 orders, 57.25", "dave: 0 orders, 0.00");
                for (int i = 0; i < REQUESTS; i++) {
                    check(answers.get(i).equals(expected.get(i % expected.size())), "request " + i + " answered " + answers.get(i));
                }
                check(served == REQUESTS, "every request is served once, served " + served);
                check(pool.mostLent() <= POOL_SIZE, "the pool never lends more than " + POOL_SIZE + ", lent " + pool.mostLent());
                check(pool.mostLent() == POOL_SIZE, "the consumers used the whole pool, at most " + pool.mostLent() + " lent");
                check(pendingBeforeJoin > 0, "some requests were still pending when join() was called");
                check(answeredAtJoin == REQUESTS, "join() waits for all: " + answeredAtJoin + " of " + REQUESTS + " answered when it returned");
                return null;
            });
        }
    }

    /**
     * A consumer: takes requests until the queue is shut down, answers each through its promise,
     * marks each done; returns how many it served.
     */
    private static int consume(AsyncQueue<Request> requests, ConnectionPool pool) {
        int served = 0;
        while (true) {
            Request request;
            try {
                request = requests.get(); // await queue.get()
            } catch (QueueShutDownException e) {
                return served;
            }
            try {
                String customer = request.customer();
                String answer = pool.withConnection(connection -> Async.toThread(() -> query(connection, customer)).join());
                request.reply().complete(answer);
                served++;
            } catch (CancellationException e) { // a cancellation is not a failure of the request: pass it on
                request.reply().cancel();
                throw e;
            } catch (RuntimeException | SQLException e) {
                request.reply().fail(e);
            } finally {
                requests.taskDone(); // queue.task_done()
            }
        }
    }

    private static Void createDatabase(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE ALIAS SLEEP_MS FOR 'java.lang.Thread.sleep(long)'");
            s.execute("CREATE TABLE orders(id INT PRIMARY KEY, customer VARCHAR(20), amount DECIMAL(10, 2))");
            s.execute("INSERT INTO orders VALUES (1, 'alice', 50.00), (2, 'alice', 40.00), (3, 'alice', 24.50),"
                    + " (4, 'bob', 20.00), (5, 'carol', 30.00), (6, 'carol', 27.25)");
        }
        return null;
    }

    /** A blocking JDBC query, slowed down in the database by {@link #QUERY_LATENCY}. */
    private static String query(Connection connection, String customer) throws SQLException {
        try (PreparedStatement slow = connection.prepareStatement("CALL SLEEP_MS(?)")) {
            slow.setLong(1, QUERY_LATENCY.toMillis());
            slow.execute();
        }
        try (PreparedStatement q = connection.prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(amount), 0.00) FROM orders WHERE customer = ?")) {
            q.setString(1, customer);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return customer + ": " + rs.getInt(1) + " orders, " + rs.getBigDecimal(2).setScale(2);
            }
        }
    }

    /** What a body does with a borrowed connection. */
    @FunctionalInterface
    private interface WithConnection<T> {
        T apply(Connection connection) throws SQLException;
    }

    /**
     * A fixed pool of JDBC connections kept in an {@link AsyncQueue}: borrowing is a blocking
     * {@code get()} that waits while every connection is lent, giving back a {@code putNow}. It
     * counts how many are lent at once. Thread-safe.
     */
    private static final class ConnectionPool implements AutoCloseable {
        private final AsyncQueue<Connection> idle;
        private final List<Connection> all = new ArrayList<>();
        private final AtomicInteger lent = new AtomicInteger();
        private final AtomicInteger mostLent = new AtomicInteger();

        ConnectionPool(String url, int size) throws SQLException {
            idle = AsyncQueue.create(size);
            for (int i = 0; i < size; i++) {
                Connection c = DriverManager.getConnection(url);
                all.add(c);
                idle.putNow(c);
            }
        }

        /** Runs {@code body} with a connection borrowed for the time of the call (a blocking call). */
        <T> T withConnection(WithConnection<T> body) throws SQLException {
            Connection connection = idle.get();
            mostLent.accumulateAndGet(lent.incrementAndGet(), Math::max);
            try {
                return body.apply(connection);
            } finally {
                lent.decrementAndGet();
                idle.putNow(connection);
            }
        }

        int mostLent() {
            return mostLent.get();
        }

        @Override
        public void close() throws SQLException {
            for (Connection c : all) {
                c.close();
            }
        }
    }

    private static void check(boolean claim, String message) {
        if (!claim) {
            throw new AssertionError("claim failed: " + message);
        }
    }

    /**
     * Runs the sample on its own.
     *
     * @param args ignored
     * @throws Exception if a claim does not hold or the sample cannot run
     */
    public static void main(String[] args) throws Exception {
        run();
    }
}
