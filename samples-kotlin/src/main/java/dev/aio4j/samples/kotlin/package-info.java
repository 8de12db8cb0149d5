/**
 * The mixed Kotlin/Java samples (16 and 17 of the sample list): Kotlin suspend functions and Flows
 * used from Java, and Java implementing a Kotlin interface whose method suspends.
 */
package dev.aio4j.samples.kotlin;
