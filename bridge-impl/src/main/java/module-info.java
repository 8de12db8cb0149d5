/**
 * aio4j's implementation on kotlinx.coroutines. Exports only the Kotlin interop
 * ({@code dev.aio4j.kotlin}); everything else is internal.
 */
module dev.aio4j.impl {
    requires transitive dev.aio4j;
    requires kotlin.stdlib;
    requires kotlinx.coroutines.core;
    requires kotlinx.coroutines.jdk9;
    requires static org.jspecify;

    provides dev.aio4j.spi.AsyncProvider with dev.aio4j.internal.KotlinAsyncProvider;
}
