/**
 * aio4j's implementation on kotlinx.coroutines. Exports only the Kotlin interop
 * ({@code dev.aio4j.kotlin}); everything else is internal.
 */
module dev.aio4j.impl {
    requires transitive dev.aio4j;
    requires kotlin.stdlib;
    requires kotlinx.coroutines.core;
    requires static org.jspecify;

    exports dev.aio4j.kotlin;

    provides dev.aio4j.spi.AsyncProvider with dev.aio4j.internal.KotlinAsyncProvider;
}
