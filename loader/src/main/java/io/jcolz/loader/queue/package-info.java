/**
 * Per-device ordered bounded queues ({@link io.jcolz.loader.queue.DeviceQueue}) and the delivery
 * policy ({@link io.jcolz.loader.queue.RoundRobin}: batch i of an epoch → device i mod D).
 */
package io.jcolz.loader.queue;
