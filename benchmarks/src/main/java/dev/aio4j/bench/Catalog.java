package dev.aio4j.bench;

import java.lang.reflect.Method;
import java.util.List;

/**
 * Lists the slots ({@link Pending} methods) of every benchmark class and timed program, one JSON
 * line each: {@code {"id": "QueueBench.aio4jQueueBlocking", "needs": "..."}}. {@code benchmarks/run}
 * leaves them out of the run and reports them as pending.
 */
public final class Catalog {
    /** Every class with benchmark methods or implementations of a timed program. */
    static final List<Class<?>> CLASSES = List.of(SpawnAwaitBench.class, CompletableFutureTrapBench.class, IterationBench.class,
            QueueBench.class, LockHandoffBench.class, BridgeCallBench.class, Sleepers.class, FanOut.class);

    private Catalog() {}

    /**
     * Prints the slots.
     *
     * @param args none
     */
    public static void main(String[] args) {
        for (Class<?> c : CLASSES) {
            for (Method m : c.getDeclaredMethods()) {
                Pending p = m.getAnnotation(Pending.class);
                if (p != null) {
                    System.out.println(new Measure.Json().put("id", c.getSimpleName() + "." + m.getName()).put("needs", p.value()));
                }
            }
        }
    }
}
