/**
 * The jcolz on-disk store: a dataset is a directory of column files, each cut into independently
 * compressed, CRC32C-checked chunks, plus a manifest and a key index. The byte-exact spec is {@code
 * format/FORMAT.md}.
 *
 * <p>Entry points: {@link io.jcolz.format.DatasetWriter} (append rows from many threads, commit
 * atomically), {@link io.jcolz.format.Dataset} (open, map, read by row or key, decode chunks in
 * bulk with a per-thread {@link io.jcolz.format.ChunkDecoder}, verify).
 *
 * <h2>Packages</h2>
 *
 * <ul>
 *   <li>{@code schema}: column types and specs, the schema.
 *   <li>{@code codec}: chunk compression (Zstd via zstd-jni, none).
 *   <li>{@code column}: chunk payload layouts (building, typed zero-copy views).
 *   <li>{@code store}: file framing, column files, the manifest, the directory layout.
 *   <li>{@code index}: the Chronicle Map key index.
 * </ul>
 *
 * <h2>History</h2>
 *
 * <ul>
 *   <li>Format version 1 (jcolz 0.1.0): first version.
 *   <li>Format version 2 (jcolz 0.2.0): collections of parts ({@code CLCT}); version-1 files
 *       unchanged. Readers refuse Zstd chunks of any shape but one frame with its content size and
 *       no checksum, chunks that do not tile their column file, manifest totals that differ from
 *       the chunk index, and a {@code CLCT} file marked version 1 (FORMAT.md §2, §4.1, §4.2).
 * </ul>
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Datasets are written once; there is no append to a committed dataset (write a new one).
 *   <li>A decompressed chunk holds at most 1 GiB, so one value holds at most 1 GiB − 8 bytes.
 *   <li>Column files are mapped whole: address space ({@code ulimit -v}) must cover the dataset.
 *   <li>The key index (Chronicle Map) needs a writable file and the JVM flags in {@link
 *       io.jcolz.format.index.ChronicleSupport#REQUIRED_FLAGS}; datasets without a key column need
 *       neither.
 * </ul>
 */
package io.jcolz.format;
