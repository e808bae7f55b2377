/**
 * Chunk codecs: how a chunk's payload is stored on disk ({@link io.jcolz.format.codec.Codec}), and
 * the per-thread compressor and decompressor that reuse one native Zstd context each ({@link
 * io.jcolz.format.codec.ChunkCompressor}, {@link io.jcolz.format.codec.ChunkDecompressor}), working
 * on off-heap memory segments so no chunk is copied onto the Java heap; and the one Zstd frame
 * shape a chunk may hold ({@link io.jcolz.format.codec.ZstdFrame}), checked before every
 * decompression. FORMAT.md §4.2 is the spec.
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>No filters (byte shuffle, delta): measured not to pay on image datasets (FORMAT.md §4.2).
 * </ul>
 */
package io.jcolz.format.codec;
