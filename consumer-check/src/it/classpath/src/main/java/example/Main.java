package example;

import dev.aio4j.*;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The README's 30-second example as a consumer compiles it: between the markers, the README's code
 * as it is (consumer-check's ReadmeExampleTest keeps the two the same), around it the helpers it
 * calls and a check of what it printed.
 */
public final class Main {
    private Main() {
    }

    static String fetch(String key) throws InterruptedException {
        Thread.sleep(10);
        return "page " + key;
    }

    static CompletionStage<String> fetchAsync(String key) {
        return CompletableFuture.completedFuture("page " + key);
    }

    public static void main(String[] args) {
        // README example begin
        List<String> pages = Async.run(loop -> {                      // asyncio.run(main())
            Task<String> a = loop.createTask(() -> fetch("a"));         // blocking body, on a virtual thread
            Task<String> b = loop.createTaskAsync(() -> fetchAsync("b")); // non-blocking body: returns a CompletionStage
            Task<String> c = Async.waitFor(loop.createTask(() -> fetch("c")), Duration.ofSeconds(2));
            Task<String> d = b.thenApply(String::toUpperCase);          // a stage derived from a task is a task
            Task<Void> note = loop.createTask(() -> System.out.println("fetching")); // a body that returns nothing
            note.join();
            return Async.gather(a, b, c, d).join();                     // results in argument order
        });                                                            // pending tasks are cancelled, the loop closed
        // README example end
        if (!pages.equals(List.of("page a", "page b", "page c", "PAGE B"))) {
            throw new AssertionError("the README example returned " + pages);
        }
        System.out.println("README example: " + pages);
    }
}
