package dev.aio4j.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Finds the {@link AsyncProvider} once, as SLF4J 2's {@code LoggerFactory} does: through the API's
 * own class loader (or the module layer), skipping providers that fail to load or were built for
 * another {@link AsyncProvider#API_VERSION}. A failed lookup is remembered and reported again,
 * with the same sentence, at every later call.
 */
final class ProviderLookup {
    static final String MISSING =
            "No aio4j implementation found: add the artifact dev.aio4j:bridge-impl to the class path or module path"
                    + " (it provides dev.aio4j.spi.AsyncProvider).";

    private static volatile @Nullable AsyncProvider provider;
    private static volatile @Nullable String failure;

    private ProviderLookup() {}

    static AsyncProvider provider() {
        AsyncProvider p = provider;
        if (p != null) {
            return p;
        }
        synchronized (ProviderLookup.class) {
            p = provider;
            if (p == null) {
                String f = failure;
                if (f != null) {
                    throw new IllegalStateException(f);
                }
                try {
                    p = find();
                } catch (IllegalStateException e) {
                    failure = e.getMessage();
                    throw e;
                }
                provider = p;
            }
            return p;
        }
    }

    private static AsyncProvider find() {
        String named = System.getProperty(AsyncProvider.PROVIDER_PROPERTY);
        List<String> skipped = new ArrayList<>();
        AsyncProvider best = null;
        ServiceLoader<AsyncProvider> loader = ServiceLoader.load(AsyncProvider.class, AsyncProvider.class.getClassLoader());
        var it = loader.iterator();
        while (true) {
            AsyncProvider candidate;
            try {
                if (!it.hasNext()) {
                    break;
                }
                candidate = it.next();
            } catch (ServiceConfigurationError e) {
                skipped.add(String.valueOf(e.getMessage()));
                continue;
            }
            if (candidate.apiVersion() != AsyncProvider.API_VERSION) {
                skipped.add(candidate.getClass().getName() + " implements API version " + candidate.apiVersion()
                        + ", not " + AsyncProvider.API_VERSION);
                continue;
            }
            if (named != null && !named.isEmpty()) {
                if (candidate.getClass().getName().equals(named)) {
                    return candidate;
                }
                continue;
            }
            if (best == null || candidate.priority() > best.priority()) {
                best = candidate;
            }
        }
        if (best != null) {
            return best;
        }
        String message = named != null && !named.isEmpty()
                ? "The aio4j provider " + named + " named by -D" + AsyncProvider.PROVIDER_PROPERTY + " was not found: "
                        + "add the artifact dev.aio4j:bridge-impl to the class path or module path."
                : MISSING;
        if (!skipped.isEmpty()) {
            message += " Skipped: " + String.join("; ", skipped);
        }
        throw new IllegalStateException(message);
    }
}
