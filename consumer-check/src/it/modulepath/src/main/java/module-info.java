/** A consumer's module: it requires aio4j's API only; the implementation is bound as a service. */
module example {
    requires dev.aio4j;
}
