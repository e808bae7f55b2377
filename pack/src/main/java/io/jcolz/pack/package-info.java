/**
 * The packer library: turns a folder of images and a label source into a jcolz dataset ({@link
 * io.jcolz.pack.Packer}). {@code jcolz pack} (module {@code tools}) is its command line; the
 * benchmarks and a Spark task call it directly. It depends on {@code format} and {@code image}
 * (image decoding, resizing and JPEG encoding), never on the loader or the CLI.
 *
 * <p>The pieces, one concern each: {@link io.jcolz.pack.Packer} (the run: lock, pack, append,
 * finish), {@link io.jcolz.pack.PackPlanner} (listing, plan, checks against what is on disk, kept
 * and to-do parts), the part pipeline (decode workers, ordered appends, one commit per part),
 * {@link io.jcolz.pack.CollectionCommit} (the collection manifest and the swap onto the output),
 * {@link io.jcolz.pack.PackSummary} (counts and the {@link io.jcolz.pack.PackResult}) and {@link
 * io.jcolz.pack.CodecReport} (codecs per column, for the summaries).
 *
 * <p>Two front doors, one pack: {@code jcolz pack} and the Spark job ({@code io.jcolz.spark}) parse
 * the same settings flags ({@link io.jcolz.pack.PackFlags}, a picocli mixin; picocli is an optional
 * dependency), list through {@link io.jcolz.pack.InputListing} (local: {@link
 * io.jcolz.pack.SourceWalker}) and check and commit through a {@link io.jcolz.pack.PackTarget}
 * (local, or the Spark job's Hadoop file system): the "already complete" and "another plan" checks,
 * the notes and the swap of an old dataset are written once, here.
 *
 * <h2>Conventions (decided; the command's help says the same)</h2>
 *
 * <ul>
 *   <li><b>Key</b> of an image: its path relative to {@code --input}, '/' separators ({@code
 *       animals/birds/owl.png}). Stored in the string column {@code key} and the key index; {@code
 *       jcolz get DS KEY} and {@code jcolz bench DS --compare DIR} find files by it.
 *   <li><b>Order</b>: rows are written in walk order — depth-first, each folder's entries sorted by
 *       name — whatever the thread count: decoding is parallel, the hand-off to the writer is
 *       ordered. Two packs of the same folder with the same options store the same rows (the same
 *       values) in the same order; the files need not be byte-identical, as a column's chunks are
 *       written in the order their compression ends.
 *   <li><b>Columns</b> (names the {@code Loader} expects): {@code key} (string, key column), {@code
 *       image} (uint8 SIZE×SIZE×3, raw and smart), {@code jpeg} (bytes, jpeg and smart), {@code
 *       labels} (int32 set, label column; absent when there is no label source or it names no
 *       label), and with partial labels {@code label_confidence} and/or {@code label_negatives}
 *       (FORMAT.md §10.1; only when some label has a confidence below 1, resp. some image a
 *       verified negative). Metadata: {@code mode}, {@code size}, {@code resize}, {@code quality},
 *       {@code source}, {@code labels_from}, and {@code unlisted} when the labels are partial.
 *   <li><b>Labels</b>: the vocabulary is sorted by name, or with {@code --vocabulary-from DS} is
 *       the vocabulary of an existing dataset (pack a validation set with its training set's label
 *       indices; names not in it are dropped and counted). {@link io.jcolz.pack.LabelFile} (CSV/TSV
 *       with quotes and an optional header detected by its first field being key, path, file,
 *       filename, image, name or id; or JSON lines read with Jackson) is joined through an off-heap
 *       Chronicle Map, not a heap map, so a 12M-line file fits. Images with no line are packed with
 *       an empty set and counted; keys with no image are counted and reported (with examples).
 *       {@link io.jcolz.pack.FolderLabels}: every folder between the input and the file is a label.
 *   <li><b>Partial labels</b> ({@link io.jcolz.pack.LabelFormat}, {@code --unlisted}): a label file
 *       may give confidences ({@code dog:0.7}), verified negatives ({@code -car}, {@code car:0}, or
 *       JSON {@code {"car": 0}}), or be an Open Images CSV; the plan records {@code label_columns},
 *       {@code unlisted} and {@code labels_format} only when used, so plain labels keep their plan
 *       and bytes. An append's parts take the collection's label columns and {@code unlisted}.
 *   <li><b>Smart mode</b>: per image, stored raw when Zstd of its resized pixels (alone, at the
 *       pack's level) is at most 2× its JPEG size at {@code --quality}, else as JPEG; the unused
 *       column holds zeros / an empty value. Flat clip-art stays exact, photographs become JPEG.
 *   <li><b>Bad inputs</b> are skipped with one line naming the file and a {@link
 *       io.jcolz.pack.SkipReason}, counted by reason; the pack completes. The decoder ({@link
 *       io.jcolz.image.ImageDecoder}) refuses more than 100 MP from the header (no allocation) and
 *       images whose shorter side is below {@code --min-side} (default 2, so a 1×1 image is skipped
 *       as too small). Files without an image extension and names starting with '.' are ignored
 *       (counted, not read).
 *   <li><b>Parts, resume, append, shards</b> ({@link io.jcolz.pack.Packer}): the sorted listing is
 *       cut into parts by a {@link io.jcolz.pack.PackPlan} written first into the build directory
 *       {@code .NAME.building}; each part is committed on its own through {@link
 *       io.jcolz.format.DatasetWriter}'s atomic rename, and the collection manifest last (FORMAT.md
 *       §9). An interrupted pack resumes: a re-run with the same inputs and settings keeps every
 *       committed part of its plan and packs only the rest, and one whose plan differs is refused
 *       with the difference named ({@code --restart} starts over). {@code --append} adds new images
 *       as new parts of an existing collection under its fixed vocabulary and replaces its manifest
 *       atomically; {@code --shard i/n} packs the parts with index ≡ i (mod n) and leaves the
 *       collection uncommitted, and {@code --finish} ({@link io.jcolz.pack.Packer#finish}) commits
 *       it once every part is in.
 *   <li><b>Output safety</b>: the run takes the lock file {@code .NAME.pack.lock} beside the output
 *       ({@link io.jcolz.pack.PackLock}; a second pack to the same output is refused while it is
 *       held) and removes the leftovers of an interrupted part (the writer's {@code .NAME.tmp-*}
 *       directories, the {@code .NAME.labels-*.cmap} label map). A dataset at {@code --out} is
 *       either the complete new one, the untouched old one, or absent. An existing {@code --out} is
 *       refused unless {@code --overwrite} (or {@code --append}), and {@code --overwrite} replaces
 *       only a jcolz dataset ({@link io.jcolz.pack.OutputCheck}).
 * </ul>
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Rows are handed to the writer one at a time, in order; the hand-off itself is short (the
 *       row's values are copied into the open chunks) and chunk compression runs in the appending
 *       workers in parallel. A single slow image holds up the rows behind it (up to 16 × threads
 *       images wait in the reorder buffer while the other workers keep decoding).
 *   <li>The folder is walked twice (count and names, then pack); files added in between are packed
 *       without a folder label that did not exist at the first walk (such names are counted as
 *       dropped and reported).
 *   <li>A quoted CSV field cannot contain a line break.
 *   <li>On Ctrl-C / SIGTERM while images are still being written, a shutdown hook aborts the writer
 *       (removing its temporary directory); once the commit has begun it does not abort but lets
 *       the commit finish (up to 20 s) and says whether it did, or that the state is unknown. The
 *       hook does not always run: Chronicle Map, loaded for the key index, installs its own
 *       TERM/INT handlers, and in some runs (seen with a background process killed by {@code kill})
 *       the JVM exits without running hooks. Nothing is ever committed half-way; the next run
 *       removes what was left ({@code PackKillTest} covers SIGKILL and SIGTERM).
 * </ul>
 */
package io.jcolz.pack;
