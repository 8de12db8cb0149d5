package dev.aio4j.bench;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an aio4j variant that cannot be written yet because the capability it measures has not
 * landed: a slot. {@code benchmarks/run} asks {@link Catalog} for these, leaves them out of the
 * run, and shows their rows as {@code pending: <value>} in the report. To fill a slot, write its
 * body and delete the annotation: nothing else needs to change.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Pending {

    /** {@return what the slot needs, for the report, e.g. "needs the Kotlin interop (dev.aio4j.kotlin)"} */
    String value();

    /** Thrown by a slot's body, so that running it by hand says why it cannot run. */
    final class NotYet extends UnsupportedOperationException {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param needs what the slot needs
         */
        public NotYet(String needs) {
            super("pending: " + needs);
        }
    }
}
