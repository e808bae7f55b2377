/**
 * Reads ahead of the decode: {@link io.jcolz.loader.read.ReadAhead} reads (pread, direct) or
 * advises (map, populate) the chunks the queued decodes need, on its own I/O threads, into at most
 * {@code depth} pooled, aligned off-heap buffers.
 */
package io.jcolz.loader.read;
