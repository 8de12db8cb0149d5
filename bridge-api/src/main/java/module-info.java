/**
 * aio4j's API: Python's asyncio for Java.
 *
 * <p>Pure Java, no run-time dependency (JSpecify's annotations only at compile time). The implementation ({@code dev.aio4j:bridge-impl})
 * is found at run time through {@link dev.aio4j.spi.AsyncProvider} and {@link java.util.ServiceLoader}.
 */
module dev.aio4j {
    requires static org.jspecify;

    exports dev.aio4j;
    exports dev.aio4j.sync;
    exports dev.aio4j.stream;
    exports dev.aio4j.spi;

    uses dev.aio4j.spi.AsyncProvider;
}
