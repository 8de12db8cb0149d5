package dev.aio4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreeScanner;
import dev.aio4j.stream.AsyncCloseable;
import dev.aio4j.stream.AsyncEmitter;
import dev.aio4j.stream.AsyncExitStack;
import dev.aio4j.stream.AsyncIterable;
import dev.aio4j.stream.AsyncResource;
import dev.aio4j.stream.Emitter;
import dev.aio4j.sync.AsyncCondition;
import dev.aio4j.sync.AsyncEvent;
import dev.aio4j.sync.AsyncLock;
import dev.aio4j.sync.AsyncQueue;
import dev.aio4j.sync.AsyncSemaphore;
import java.io.File;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Reflection sweep of the public API of dev.aio4j, dev.aio4j.sync, dev.aio4j.stream: every public
 * method (and record constructor) gets a null in each non-nullable reference parameter; it must
 * throw NullPointerException whose message names the parameter, with no side effect (no user
 * function called, no new pending task left).
 */
class NullArgumentSweepTest {

    static final AtomicInteger CALLS = new AtomicInteger();

    /** Parameter names from the sources: "Class.method/arity" -> list of (names, type strings). */
    static final Map<String, List<List<String[]>>> NAMES = new HashMap<>();

    static void parseSources() throws Exception {
        Path root = Path.of("../bridge-api/src/main/java/dev/aio4j");
        List<File> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/spi/")).forEach(p -> files.add(p.toFile()));
        }
        JavaCompiler c = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager fm = c.getStandardFileManager(null, null, null)) {
            JavacTask task = (JavacTask) c.getTask(null, fm, null, List.of("-proc:none"), null, fm.getJavaFileObjectsFromFiles(files));
            for (CompilationUnitTree cu : task.parse()) {
                new TreeScanner<Void, Void>() {
                    final Deque<String> classes = new ArrayDeque<>();

                    @Override
                    public Void visitClass(ClassTree node, Void v) {
                        classes.push(classes.isEmpty() ? node.getSimpleName().toString() : classes.peek() + "$" + node.getSimpleName());
                        try {
                            return super.visitClass(node, v);
                        } finally {
                            classes.pop();
                        }
                    }

                    @Override
                    public Void visitMethod(MethodTree node, Void v) {
                        List<String[]> ps = new ArrayList<>();
                        for (VariableTree p : node.getParameters()) {
                            ps.add(new String[] {p.getName().toString(), p.getType().toString()});
                        }
                        String name = node.getName().contentEquals("<init>") ? "<init>" : node.getName().toString();
                        NAMES.computeIfAbsent(classes.peek() + "." + name + "/" + ps.size(), k -> new ArrayList<>()).add(ps);
                        return null;
                    }
                }.scan(cu, null);
            }
        }
    }

    static String paramName(Executable m, int i) {
        Class<?> owner = m.getDeclaringClass();
        if (m instanceof Constructor && owner.isRecord()) {
            RecordComponent[] rc = owner.getRecordComponents();
            return rc[i].getName();
        }
        String key = owner.getName().substring(owner.getPackageName().length() + 1) + "." + (m instanceof Constructor ? "<init>" : m.getName()) + "/" + m.getParameterCount();
        List<List<String[]>> cands = NAMES.get(key);
        if (cands == null) return null;
        for (List<String[]> ps : cands) {
            boolean ok = true;
            for (int j = 0; j < ps.size() && ok; j++) {
                String t = ps.get(j)[1].replaceAll("@\\S+\\s+", "");
                int lt = t.indexOf('<');
                String base = lt < 0 ? t : t.substring(0, lt);
                base = base.substring(base.lastIndexOf('.') + 1) + (t.endsWith("...") || t.endsWith("[]") ? "[]" : "");
                String actual = m.getParameterTypes()[j].getSimpleName();
                if (!(base.equals(actual) || base.length() <= 2)) ok = false;
            }
            if (ok) return ps.get(i)[0];
        }
        return null;
    }

    static boolean nullable(Parameter p, Executable m) {
        AnnotatedType at = p.getAnnotatedType();
        if (at.isAnnotationPresent(Nullable.class)) return true;
        Type t = p.getParameterizedType();
        if (t instanceof TypeVariable) {
            for (AnnotatedType b : ((TypeVariable<?>) t).getAnnotatedBounds()) {
                if (b.isAnnotationPresent(Nullable.class)) return true;
            }
        }
        return false;
    }

    static Object proxy(Class<?> iface) {
        return Proxy.newProxyInstance(NullArgumentSweepTest.class.getClassLoader(), new Class<?>[] {iface}, (self, method, args) -> {
            switch (method.getName()) {
                case "toString": return "proxy(" + iface.getSimpleName() + ")";
                case "hashCode": return System.identityHashCode(self);
                case "equals": return self == args[0];
                default: break;
            }
            CALLS.incrementAndGet();
            Class<?> r = method.getReturnType();
            if (r == boolean.class) return false;
            if (r == int.class) return 0;
            if (r == long.class) return 0L;
            if (CompletionStage.class.isAssignableFrom(r)) return CompletableFuture.completedFuture(null);
            return null;
        });
    }

    static final class Ctx {
        Loop loop;
        Task<Object> done;
        Map<Class<?>, Supplier<Object>> receivers = new HashMap<>();
    }

    static Object valid(Class<?> t, Ctx ctx) {
        if (t == Duration.class) return Duration.ofMillis(1);
        if (t == String.class) return "x";
        if (t == Object.class) return "x";
        if (t == Loop.class) return ctx.loop;
        if (t == LoopOptions.class) return LoopOptions.defaults();
        if (t == ExceptionContext.class) return new ExceptionContext("m", null, null);
        if (t == Executor.class) return (Executor) r -> {
            CALLS.incrementAndGet();
            r.run();
        };
        if (t == CompletionStage.class || t == Task.class) return ctx.done;
        if (t == List.class || t == java.util.Collection.class) return List.of(ctx.done);
        if (t == Set.class) return Set.of();
        if (t == Throwable.class) return new RuntimeException("valid");
        if (t == java.util.concurrent.CancellationException.class) return new java.util.concurrent.CancellationException();
        if (t == AsyncLock.class) return AsyncLock.create();
        if (t.isEnum()) return t.getEnumConstants()[0];
        if (t.isArray()) {
            Object a = Array.newInstance(t.getComponentType(), 1);
            Array.set(a, 0, valid(t.getComponentType(), ctx));
            return a;
        }
        if (t.isInterface()) return proxy(t);
        if (t == int.class) return 1;
        if (t == long.class) return 1L;
        if (t == boolean.class) return false;
        throw new IllegalStateException("no valid value for " + t);
    }

    static List<Class<?>> publicTypes() throws Exception {
        URI src = Async.class.getProtectionDomain().getCodeSource().getLocation().toURI();
        Path base = Path.of(src);
        List<Class<?>> out = new ArrayList<>();
        for (String pkg : List.of("dev/aio4j", "dev/aio4j/sync", "dev/aio4j/stream")) {
            List<String> names = new ArrayList<>();
            if (Files.isDirectory(base)) {
                try (Stream<Path> s = Files.list(base.resolve(pkg))) {
                    s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class")).forEach(names::add);
                }
            } else {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(base.toFile())) {
                    jar.stream().map(e -> e.getName()).filter(n -> n.startsWith(pkg + "/") && n.indexOf('/', pkg.length() + 1) < 0 && n.endsWith(".class"))
                            .forEach(n -> names.add(n.substring(pkg.length() + 1)));
                }
            }
            for (String n : names) {
                if (n.equals("package-info.class") || n.equals("module-info.class")) continue;
                Class<?> c = Class.forName(pkg.replace('/', '.') + "." + n.substring(0, n.length() - 6));
                if (Modifier.isPublic(c.getModifiers())) out.add(c);
            }
        }
        out.sort(Comparator.comparing(Class::getName));
        return out;
    }

    /** User-implemented functional interfaces and exceptions: not entry points. */
    static boolean skipType(Class<?> c) {
        return Throwable.class.isAssignableFrom(c)
                || Set.of("LoopExceptionHandler", "ThrowingRunnable", "ThrowingFunction", "ThrowingConsumer", "ThrowingPredicate",
                        "Generator", "AsyncCloseable").contains(c.getSimpleName());
    }

    @Test
    void everyNullArgumentIsRefusedNamingTheParameterAndWithoutSideEffects() throws Exception {
        parseSources();
        List<Class<?>> types = publicTypes();
        Map<String, String> violations = new TreeMap<>();
        List<String> log = new ArrayList<>();
        int[] cases = {0};
        Async.run(loop -> {
            Ctx ctx = new Ctx();
            ctx.loop = loop;
            Promise<Object> d = loop.createPromise();
            d.complete("done");
            ctx.done = d;
            Promise<Object> hold = loop.createPromise();
            CompletableFuture<TaskGroup> group = new CompletableFuture<>();
            Task<Object> groupTask = Async.taskGroupAsync(tg -> {
                group.complete(tg);
                return hold;
            });
            CompletableFuture<TimeoutScope> scope = new CompletableFuture<>();
            Task<Object> scopeTask = Async.timeoutScopeAsync(Duration.ofHours(1), sc -> {
                scope.complete(sc);
                return hold;
            });
            CompletableFuture<Emitter<Object>> emitter = new CompletableFuture<>();
            AsyncIterable<Object> gen = AsyncIterable.generate(1, e -> {
                emitter.complete(e);
                hold.join();
            });
            Task<List<Object>> genTask = gen.toList();
            CompletableFuture<AsyncEmitter<Object>> aemitter = new CompletableFuture<>();
            AsyncIterable<Object> agen = AsyncIterable.generateAsync(1, e -> {
                aemitter.complete(e);
                return hold;
            });
            Task<List<Object>> agenTask = agen.toList();
            Map<Class<?>, Supplier<Object>> r = ctx.receivers;
            r.put(Loop.class, () -> loop);
            r.put(Task.class, loop::createPromise);
            r.put(Promise.class, loop::createPromise);
            r.put(TaskGroup.class, () -> group.join());
            r.put(TimeoutScope.class, () -> scope.join());
            r.put(Emitter.class, () -> emitter.join());
            r.put(AsyncEmitter.class, () -> aemitter.join());
            r.put(LoopOptions.class, LoopOptions::defaults);
            r.put(AsyncLock.class, AsyncLock::create);
            r.put(AsyncCondition.class, AsyncCondition::create);
            r.put(AsyncEvent.class, AsyncEvent::create);
            r.put(AsyncSemaphore.class, () -> AsyncSemaphore.create(1));
            r.put(AsyncQueue.class, () -> AsyncQueue.create(4));
            r.put(AsyncExitStack.class, AsyncExitStack::create);
            r.put(AsyncResource.class, () -> AsyncResource.of(() -> CompletableFuture.completedFuture(null)));
            r.put(AsyncIterable.class, () -> AsyncIterable.generate(e -> e.emit(1)));

            // The generators' bodies start when their toList() first reads, on the loop, a moment
            // from now: a body task born during the sweep was seen as a task the case under test
            // left, and cancelling it cancelled `hold` (the stage it waits for), so groupTask's join
            // below threw (6 of 30 runs on JDK 25). The sweep starts once all four bodies run.
            group.join();
            scope.join();
            emitter.join();
            aemitter.join();
            for (Class<?> type : types) {
                if (skipType(type)) continue;
                List<Executable> members = new ArrayList<>(Arrays.asList(type.getDeclaredMethods()));
                if (type.isRecord()) members.addAll(Arrays.asList(type.getDeclaredConstructors()));
                for (Executable m : members) {
                    if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic()) continue;
                    if (m instanceof Method && ((Method) m).isBridge()) continue;
                    if (Set.of("equals", "valueOf").contains(m.getName())) continue;
                    boolean isStatic = Modifier.isStatic(m.getModifiers());
                    Parameter[] ps = m.getParameters();
                    for (int i = 0; i < ps.length; i++) {
                        if (ps[i].getType().isPrimitive() || nullable(ps[i], m)) continue;
                        String pname = paramName(m, i);
                        Object receiver = null;
                        if (!isStatic && m instanceof Method) {
                            Supplier<Object> s = r.get(type);
                            if (s == null) {
                                violations.put(type.getSimpleName() + "." + m.getName(), "NO RECEIVER (not tested)");
                                continue;
                            }
                            receiver = s.get();
                        }
                        Object[] args = new Object[ps.length];
                        for (int j = 0; j < ps.length; j++) args[j] = j == i ? null : valid(ps[j].getType(), ctx);
                        String sig = type.getSimpleName() + "." + (m instanceof Constructor ? "<init>" : m.getName())
                                + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).toList() + " null#" + i + "(" + pname + ")";
                        cases[0]++;
                        Set<Task<?>> before = new HashSet<>(loop.allTasks());
                        int callsBefore = CALLS.get();
                        Object rcv = receiver;
                        Task<Throwable> call = loop.createTask(() -> {
                            try {
                                if (m instanceof Method) ((Method) m).invoke(rcv, args);
                                else ((Constructor<?>) m).newInstance(args);
                                return null;
                            } catch (InvocationTargetException e) {
                                return e.getCause();
                            }
                        });
                        Throwable thrown;
                        try {
                            thrown = call.toCompletableFuture().get(3, TimeUnit.SECONDS);
                        } catch (java.util.concurrent.TimeoutException te) {
                            call.cancel();
                            violations.put(sig, "HANGS (no exception within 3 s)");
                            continue;
                        }
                        Async.sleep(Duration.ZERO);
                        Async.sleep(Duration.ofMillis(5));
                        Set<Task<?>> after = new HashSet<>(loop.allTasks());
                        after.removeAll(before);
                        after.remove(call);
                        int calls = CALLS.get() - callsBefore;
                        String what;
                        if (thrown == null) {
                            what = "no exception";
                        } else if (!(thrown instanceof NullPointerException)) {
                            what = thrown.getClass().getName() + ": " + thrown.getMessage();
                        } else {
                            String msg = String.valueOf(thrown.getMessage());
                            what = "NPE \"" + msg + "\"";
                            boolean named = pname != null && msg.matches(".*\\b" + java.util.regex.Pattern.quote(pname) + "\\b.*");
                            if (named && !msg.contains("dev.aio4j.internal") && calls == 0 && after.isEmpty()) {
                                log.add("OK  " + sig + " -> " + what);
                                continue;
                            }
                        }
                        if (calls != 0) what += "; user function called " + calls + "x";
                        if (!after.isEmpty()) {
                            what += "; left " + after.size() + " task(s) " + after;
                            after.forEach(Task::cancel);
                        }
                        violations.put(sig, what);
                    }
                }
            }
            hold.complete(null);
            groupTask.join();
            scopeTask.join();
            genTask.cancel();
            agenTask.cancel();
            return null;
        });
        log.forEach(System.out::println);
        StringBuilder sb = new StringBuilder();
        violations.forEach((k, v) -> sb.append("VIOLATION ").append(k).append(" -> ").append(v).append('\n'));
        System.out.println(sb);
        System.out.println("cases: " + cases[0] + ", violations: " + violations.size());
        assertTrue(violations.isEmpty(), violations.size() + " of " + cases[0] + " null-argument cases violate the rule:\n" + sb);
    }
}
