package dev.aio4j;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves the interrupt flag of the test's thread set, or that starts with it set
 * (an interrupt that arrived late, after the test that caused it), and clears it so that one stray
 * interrupt does not fail every test after it.
 */
final class NoStrayInterrupt implements BeforeEachCallback, AfterEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
        if (Thread.interrupted()) {
            throw new AssertionError("the test's thread was interrupted before " + context.getDisplayName() + " began");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (Thread.interrupted()) {
            throw new AssertionError(context.getDisplayName() + " left the interrupt flag set");
        }
    }
}
