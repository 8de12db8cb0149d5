/**
 * aio4j's implementation on kotlinx.coroutines: it provides {@code dev.aio4j.spi.AsyncProvider}
 * to {@code dev.aio4j} and exports no package (everything in it is internal). Add it at run time;
 * compile against {@code dev.aio4j}.
 */
module dev.aio4j.impl {
    requires transitive dev.aio4j;
    requires kotlin.stdlib;
    requires kotlinx.coroutines.core;
    requires kotlinx.coroutines.jdk9;
    requires static org.jspecify;

    exports dev.aio4j.kotlin;

    provides dev.aio4j.spi.AsyncProvider with dev.aio4j.internal.KotlinAsyncProvider;
}
