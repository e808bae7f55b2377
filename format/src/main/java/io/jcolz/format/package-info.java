/**
 * The jcolz on-disk store: a dataset is a directory of column files, each cut into independently
 * compressed, CRC32C-checked chunks, plus a manifest and a key index (format version 1), or a
 * collection of such datasets as parts under one collection manifest (format version 2); format
 * version 3 adds partial, soft labels (a confidence per positive, verified negatives, what an
 * unlisted label means: {@link io.jcolz.format.schema.PartialLabels}, read in place with {@link
 * io.jcolz.format.LabelReader} and counted per label with {@link io.jcolz.format.LabelTally}). The
 * byte-exact spec is {@code format/FORMAT.md}.
 *
 * <p>Entry points: {@link io.jcolz.format.DatasetWriter} (append rows from many threads, commit
 * atomically), {@link io.jcolz.format.CollectionWriter} (commit or replace a collection manifest
 * over committed parts), {@link io.jcolz.format.Dataset} (open a single dataset or a collection the
 * same way, map, read by global row or key, decode chunks in bulk with a per-thread {@link
 * io.jcolz.format.ChunkDecoder}, verify through {@link io.jcolz.format.DatasetVerifier}).
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
 *   <li>Format version 3 (jcolz 0.3.0): partial labels ({@code label_confidence}, {@code
 *       label_negatives}, metadata {@code unlisted}) and the column type {@code float32_list}
 *       (FORMAT.md §5, §10.1). Only the files that hold them are marked 3; a dataset of plain
 *       labels keeps the bytes of version 2.
 * </ul>
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>A committed dataset or part is never changed: appending means adding parts to a collection
 *       and replacing its manifest atomically (a version-1 single dataset cannot be appended to;
 *       pack a collection). A collection's label vocabulary and schema are fixed.
 *   <li>A decompressed chunk holds at most 1 GiB, so one value holds at most 1 GiB − 8 bytes.
 *   <li>Column files are mapped whole: address space ({@code ulimit -v}) must cover the dataset.
 *   <li>The key index (Chronicle Map) needs a writable file and the JVM flags in {@link
 *       io.jcolz.format.index.ChronicleSupport#REQUIRED_FLAGS}; datasets without a key column need
 *       neither.
 * </ul>
 */
package io.jcolz.format;
