package dev.aio4j.loopcontract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aio4j.Async;
import dev.aio4j.Loop;
import dev.aio4j.LoopOptions;
import dev.aio4j.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * close() on one thread racing runUntilComplete() on another. One of them must be refused before
 * it does anything: close() "throws IllegalStateException if the loop is running" (asyncio's
 * close() raises before touching anything), and a loop that is closing is no longer run by
 * another thread. A close that throws must not have cancelled the loop's tasks; a close that
 * returns leaves the loop closed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CloseRacingRunTest {

    @ParameterizedTest
    @EnumSource(LoopOptions.Threading.class)
    void aCloseThatIsRefusedCancelledNothing(LoopOptions.Threading threading) throws Exception {
        int rounds = LoopContractSupport.rounds(300);
        List<String> wrong = new ArrayList<>();
        int closeRefused = 0;
        int runRefused = 0;
        int bad = 0;
        for (int r = 0; r < rounds; r++) {
            int wrongBefore = wrong.size();
            Loop loop = Async.newLoop(LoopOptions.defaults().withThreading(threading));
            loop.setExceptionHandler((l, c) -> { });
            Promise<String> bystander = loop.createPromise(); // only a close cancels it
            Promise<String> target = loop.createPromise();
            CyclicBarrier barrier = new CyclicBarrier(2);
            AtomicReference<Throwable> runThrew = new AtomicReference<>();
            AtomicReference<Object> runGot = new AtomicReference<>();
            int spin = (r * 37) % 200;
            Thread runner = new Thread(() -> {
                await(barrier);
                try {
                    loop.callLater(Duration.ofMillis(2), () -> target.complete("ran"));
                    runGot.set(loop.runUntilComplete(target));
                } catch (Throwable e) {
                    runThrew.set(e);
                }
            });
            runner.start();
            await(barrier);
            for (int k = 0; k < spin; k++) Thread.onSpinWait();
            Throwable closeThrew = null;
            try {
                loop.close();
            } catch (Throwable e) {
                closeThrew = e;
            }
            runner.join(10_000);
            if (runner.isAlive()) {
                wrong.add("round " + r + ": runUntilComplete hung");
                continue;
            }
            if (closeThrew != null) {
                closeRefused++;
                if (!(closeThrew instanceof IllegalStateException) || closeThrew instanceof CancellationException) {
                    wrong.add("round " + r + ": close threw " + closeThrew);
                }
                if (bystander.isDone()) {
                    wrong.add("round " + r + ": close() threw " + closeThrew.getMessage() + " but had cancelled the loop's tasks (bystander " + bystander.state()
                            + ", runUntilComplete " + (runThrew.get() != null ? "threw " + runThrew.get() : "returned " + runGot.get()) + ")");
                }
                if (loop.isClosed()) wrong.add("round " + r + ": close threw yet the loop is closed");
                try {
                    loop.close();
                } catch (Throwable e) {
                    wrong.add("round " + r + ": a second close threw " + e);
                }
            } else {
                if (!loop.isClosed()) wrong.add("round " + r + ": close returned, the loop is not closed");
                Throwable t = runThrew.get();
                if (t != null && !(t instanceof IllegalStateException) && !(t instanceof CancellationException)) {
                    wrong.add("round " + r + ": runUntilComplete threw " + t);
                }
                if (t instanceof IllegalStateException && !(t instanceof CancellationException)) runRefused++;
            }
            if (wrong.size() > wrongBefore) bad++;
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(5, wrong.size())),
                bad + " of " + rounds + " rounds wrong; close refused " + closeRefused + ", run refused " + runRefused);
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

}
