/**
 * What the samples share: a local HTTP server on 127.0.0.1, an HTTP client helper, the pace of
 * the samples, timing and claim checks.
 *
 * <p>Threading: every class here is safe to use from any thread unless its Javadoc says
 * otherwise; the HTTP server answers on its own pool of threads, never on a loop's thread.
 */
@NullMarked
package dev.aio4j.samples.support;

import org.jspecify.annotations.NullMarked;
