package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The races of cancellation-request counting, repeated: nested deadlines that have both passed
 * (one lost deadline fails), and an outer cancellation that meets a task group's own (one absorbed
 * cancellation fails). -Dstress=N multiplies the rounds.
 */
@Tag("stress")
@Timeout(600)
class CancelRequestStressTest {
    private static final int ROUNDS = 300 * Integer.getInteger("stress", 1);

    @Test
    void nestedDeadlinesBothPassedNeverLoseOne() {
        Async.run(loop -> {
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                // the busy time straddles both deadlines, or only the inner one, at random
                Duration busy = Duration.ofMillis(2 + (i % 3) * 6);
                String r = CancelRequestTest.nestedDeadlinesBothPassed(Duration.ofMillis(6), Duration.ofMillis(1), busy, Duration.ofSeconds(1));
                if (!r.equals("inner timeout, outer timeout") && !r.equals("inner not expired, outer timeout")
                        && !r.equals("inner expired under the outer's cancellation, outer timeout")) wrong.add("round " + i + " (busy " + busy.toMillis() + " ms): " + r);
                if (wrong.size() >= 3) break;
            }
            assertEquals(List.of(), wrong);
            return null;
        });
    }

    @Test
    void anOuterCancelNeverVanishesInAFailingGroup() {
        Async.run(loop -> {
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                for (boolean blocking : new boolean[] {true, false}) {
                    String r = CancelRequestTest.outerCancelSurvivesTheGroup(loop, blocking, i % 3 == 0);
                    if (r != null) wrong.add((blocking ? "blocking" : "non-blocking") + " round " + i + ": " + r);
                }
                if (wrong.size() >= 3) break;
            }
            assertEquals(List.of(), wrong);
            return null;
        });
    }
}
