/**
 * Per-device ordered bounded queues ({@link io.jcolz.loader.queue.DeviceQueue}) and the delivery
 * policy ({@link io.jcolz.loader.queue.RoundRobin}: batch i of an epoch → device i mod D); {@link
 * io.jcolz.loader.queue.MergedQueue} reads all of them, in run order, for one consumer.
 */
package io.jcolz.loader.queue;
