/**
 * Chunk payloads, decompressed: {@link io.jcolz.format.column.ChunkBuilder} lays rows out as a
 * chunk's payload while writing, {@link io.jcolz.format.column.ChunkView} reads them in place,
 * zero-copy, after checking the payload's structure (FORMAT.md §5).
 */
package io.jcolz.format.column;
