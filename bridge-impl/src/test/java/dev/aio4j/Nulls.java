package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.function.Executable;

/** Asserts that a null argument fails at once with a NullPointerException that names the parameter. */
final class Nulls {
    private Nulls() {}

    static void assertNamed(String parameter, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        String message = String.valueOf(e.getMessage());
        // Objects.requireNonNull(x, "name") says "name"; Kotlin's parameter check ends with "parameter name".
        boolean names = message.equals(parameter) || Pattern.compile("\\bparameter " + Pattern.quote(parameter) + "$").matcher(message).find()
                || message.startsWith(parameter + "[");
        assertTrue(names, "the NullPointerException should name '" + parameter + "' but says: " + message);
    }
}
