/** A consumer's module: it requires aio4j's API only; the implementation is bound as a service. Its class, example.Main, is the class-path consumer's source. */
module example {
    requires dev.aio4j;
}
