package io.jcolz.pack;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.images.PackedImages;
import java.util.Map;

/**
 * What a finished pack did. Immutable and thread-safe.
 *
 * @param rows rows of the dataset (every part of the plan that is committed, kept ones included)
 * @param skipped inputs not packed, by reason (only non-zero counts; kept parts' counts come from
 *     their manifests)
 * @param bytesIn bytes of the image files of the whole dataset: every input of the plan, packed or
 *     skipped, whichever run read it (a resumed pack counts the kept parts' inputs too; an append
 *     counts the appended images; a {@code --finish} only what it read: 0)
 * @param bytesOut bytes of the committed dataset on disk (0 when not committed)
 * @param seconds wall time of the whole run
 * @param ignoredFiles files without an image extension (not read)
 * @param unlabelled rows written with an empty label set because the label file had no line for
 *     them (a skipped image is counted only as skipped)
 * @param labelKeysWithoutImage label-file keys that matched no image
 * @param labelLinesRejected label-file lines rejected
 * @param storedRaw smart mode: rows stored raw (the rest as JPEG); raw mode: rows; jpeg mode: 0
 * @param labels size of the label vocabulary (0: no label column)
 * @param labelsDropped label names of written rows that have no vocabulary entry (not in the {@code
 *     --vocabulary-from} vocabulary, or a folder created during the pack): occurrences, dropped
 * @param parts parts of the plan
 * @param partsKept parts an earlier run had committed, kept as they were
 * @param partsPacked parts this run packed
 * @param committed whether the collection is committed at the output (false for a shard run)
 * @param runBytesIn bytes of the image files this run read (less than {@code bytesIn} when parts
 *     were kept from an earlier run)
 */
public record PackResult(
    long rows,
    Map<SkipReason, Long> skipped,
    long bytesIn,
    long bytesOut,
    double seconds,
    long ignoredFiles,
    long unlabelled,
    long labelKeysWithoutImage,
    long labelLinesRejected,
    long storedRaw,
    int labels,
    long labelsDropped,
    int parts,
    int partsKept,
    int partsPacked,
    boolean committed,
    long runBytesIn) {

  /** A result whose run read all of {@code bytesIn} (no kept parts, or not told apart). */
  public PackResult(
      long rows,
      Map<SkipReason, Long> skipped,
      long bytesIn,
      long bytesOut,
      double seconds,
      long ignoredFiles,
      long unlabelled,
      long labelKeysWithoutImage,
      long labelLinesRejected,
      long storedRaw,
      int labels,
      long labelsDropped,
      int parts,
      int partsKept,
      int partsPacked,
      boolean committed) {
    this(
        rows,
        skipped,
        bytesIn,
        bytesOut,
        seconds,
        ignoredFiles,
        unlabelled,
        labelKeysWithoutImage,
        labelLinesRejected,
        storedRaw,
        labels,
        labelsDropped,
        parts,
        partsKept,
        partsPacked,
        committed,
        bytesIn);
  }

  /** Total inputs skipped. */
  public long skippedTotal() {
    return skipped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Rows per second of wall time. */
  public double imagesPerSecond() {
    return seconds > 0 ? rows / seconds : 0;
  }

  /** bytes in / bytes out. */
  public double ratio() {
    return bytesOut > 0 ? (double) bytesIn / bytesOut : 0;
  }

  /**
   * The one-line {@code --json} summary of a pack, as {@code jcolz pack} and the Spark job print
   * it: these counts (rates rounded), the settings of {@code o} that shape the data, and {@code
   * codecs} (per column, codec → parts stored with it, as {@link Packer#codecs}) when not null.
   *
   * @param dataset the output as the caller names it (a path, or a URI)
   */
  public ObjectNode toJson(
      PackOptions o, String dataset, Map<String, Map<String, Integer>> codecs) {
    ObjectNode j = JsonNodeFactory.instance.objectNode();
    j.put("dataset", dataset);
    j.put("rows", rows);
    j.put("skipped", skippedTotal());
    ObjectNode by = j.putObject("skipped_by_reason");
    for (Map.Entry<SkipReason, Long> e : skipped.entrySet()) {
      by.put(e.getKey().key(), e.getValue());
    }
    j.put("bytes", bytesOut);
    j.put("bytes_in", bytesIn);
    j.put("run_bytes_in", runBytesIn);
    j.put("ratio", Math.round(ratio() * 1000) / 1000.0);
    j.put("seconds", Math.round(seconds * 1000) / 1000.0);
    j.put("images_per_s", Math.round(imagesPerSecond() * 10) / 10.0);
    j.put("mode", o.mode().id());
    j.put("size", o.size());
    j.put("threads", o.threads());
    if (o.mode() == PackedImages.Storage.SMART) {
      j.put("stored_raw", storedRaw);
      j.put("stored_jpeg", rows - storedRaw);
    }
    j.put("labels", labels);
    j.put("unlabelled", unlabelled);
    j.put("labels_dropped", labelsDropped);
    j.put("label_keys_without_image", labelKeysWithoutImage);
    j.put("label_lines_rejected", labelLinesRejected);
    j.put("ignored_files", ignoredFiles);
    j.put("parts", parts);
    j.put("parts_kept", partsKept);
    j.put("parts_packed", partsPacked);
    j.put("committed", committed);
    if (codecs != null) {
      ObjectNode c = j.putObject("codecs");
      codecs.forEach(
          (col, byCodec) -> {
            ObjectNode n = c.putObject(col);
            byCodec.forEach(n::put);
          });
    }
    return j;
  }
}
