/**
 * The service-provider interface between the API and its implementation,
 * {@code dev.aio4j:bridge-impl}; users need nothing from here.
 *
 * <p>Threading: the provider is looked up once, on first use, and is shared by every thread.
 */
@NullMarked
package dev.aio4j.spi;

import org.jspecify.annotations.NullMarked;
