package dev.aio4j;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh loop per test, closed after it, whose exception handler is an {@link Expect}: a report
 * nobody expected fails the test.
 */
abstract class LoopFixture {
    final Expect x = new Expect();
    Loop loop;

    @BeforeEach
    void newLoop() {
        loop = Async.newLoop();
        loop.setExceptionHandler(x);
    }

    @AfterEach
    void closeLoop() {
        loop.close();
        x.check();
    }
}
