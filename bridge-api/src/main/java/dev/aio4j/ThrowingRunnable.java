package dev.aio4j;

/**
 * A body that returns nothing and may throw checked exceptions: the shape of the {@code void}
 * forms, such as {@link Loop#createTask(ThrowingRunnable)} and {@link Async#run(ThrowingRunnable)}
 * (a {@link java.util.concurrent.Callable} that has no result to give).
 *
 * <p>A lambda whose body returns a value picks the value-returning form of those methods; one
 * whose body is a block without {@code return} (or a call of a {@code void} method) picks this
 * form. A block that cannot end normally (it ends in {@code throw}) fits both, and javac reports
 * the call as ambiguous: cast the lambda to the form meant.
 */
@FunctionalInterface
public interface ThrowingRunnable {
    /**
     * Runs the body.
     *
     * @throws Exception whatever the body throws; aio4j passes it on by its exception rule
     */
    void run() throws Exception;
}
