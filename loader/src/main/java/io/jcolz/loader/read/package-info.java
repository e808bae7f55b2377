/**
 * How the loader gets chunks off the disk. {@link io.jcolz.loader.read.ReadModeChoice} picks the
 * read mode (direct when the columns read are larger than half the memory the process may use, else
 * map, unless one is asked for); {@link io.jcolz.loader.read.ReadSettings} carries what a user
 * asked for (a mode or auto, a read-ahead depth); {@link io.jcolz.loader.read.ReadAhead} reads
 * (pread, direct) or advises (map, populate) the chunks the queued decodes need, on its own I/O
 * threads, into at most {@code depth} pooled, aligned off-heap buffers; {@link
 * io.jcolz.loader.read.ProcessResources} reads the memory limit, storage reads and resident memory
 * from {@code /proc}.
 */
package io.jcolz.loader.read;
