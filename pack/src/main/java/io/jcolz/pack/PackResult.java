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

  /** A builder with every count 0, nothing skipped and not committed. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this result's components. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.rows = rows;
    b.skipped = skipped;
    b.bytesIn = bytesIn;
    b.bytesOut = bytesOut;
    b.seconds = seconds;
    b.ignoredFiles = ignoredFiles;
    b.unlabelled = unlabelled;
    b.labelKeysWithoutImage = labelKeysWithoutImage;
    b.labelLinesRejected = labelLinesRejected;
    b.storedRaw = storedRaw;
    b.labels = labels;
    b.labelsDropped = labelsDropped;
    b.parts = parts;
    b.partsKept = partsKept;
    b.partsPacked = partsPacked;
    b.committed = committed;
    b.runBytesIn = runBytesIn;
    return b;
  }

  /**
   * Builds a {@link PackResult} by named components (see the record's for their meaning). Unset
   * counts are 0; an unset {@code runBytesIn} is {@code bytesIn} (the run read every input). Not
   * thread-safe.
   */
  public static final class Builder {
    private long rows;
    private Map<SkipReason, Long> skipped = Map.of();
    private long bytesIn;
    private long bytesOut;
    private double seconds;
    private long ignoredFiles;
    private long unlabelled;
    private long labelKeysWithoutImage;
    private long labelLinesRejected;
    private long storedRaw;
    private int labels;
    private long labelsDropped;
    private int parts;
    private int partsKept;
    private int partsPacked;
    private boolean committed;
    private long runBytesIn = -1;

    private Builder() {}

    /** Sets {@link PackResult#rows()}. */
    public Builder rows(long rows) {
      this.rows = rows;
      return this;
    }

    /** Sets {@link PackResult#skipped()}. */
    public Builder skipped(Map<SkipReason, Long> skipped) {
      this.skipped = skipped;
      return this;
    }

    /** Sets {@link PackResult#bytesIn()}. */
    public Builder bytesIn(long bytesIn) {
      this.bytesIn = bytesIn;
      return this;
    }

    /** Sets {@link PackResult#bytesOut()}. */
    public Builder bytesOut(long bytesOut) {
      this.bytesOut = bytesOut;
      return this;
    }

    /** Sets {@link PackResult#seconds()}. */
    public Builder seconds(double seconds) {
      this.seconds = seconds;
      return this;
    }

    /** Sets {@link PackResult#ignoredFiles()}. */
    public Builder ignoredFiles(long ignoredFiles) {
      this.ignoredFiles = ignoredFiles;
      return this;
    }

    /** Sets {@link PackResult#unlabelled()}. */
    public Builder unlabelled(long unlabelled) {
      this.unlabelled = unlabelled;
      return this;
    }

    /** Sets {@link PackResult#labelKeysWithoutImage()}. */
    public Builder labelKeysWithoutImage(long labelKeysWithoutImage) {
      this.labelKeysWithoutImage = labelKeysWithoutImage;
      return this;
    }

    /** Sets {@link PackResult#labelLinesRejected()}. */
    public Builder labelLinesRejected(long labelLinesRejected) {
      this.labelLinesRejected = labelLinesRejected;
      return this;
    }

    /** Sets {@link PackResult#storedRaw()}. */
    public Builder storedRaw(long storedRaw) {
      this.storedRaw = storedRaw;
      return this;
    }

    /** Sets {@link PackResult#labels()}. */
    public Builder labels(int labels) {
      this.labels = labels;
      return this;
    }

    /** Sets {@link PackResult#labelsDropped()}. */
    public Builder labelsDropped(long labelsDropped) {
      this.labelsDropped = labelsDropped;
      return this;
    }

    /** Sets {@link PackResult#parts()}. */
    public Builder parts(int parts) {
      this.parts = parts;
      return this;
    }

    /** Sets {@link PackResult#partsKept()}. */
    public Builder partsKept(int partsKept) {
      this.partsKept = partsKept;
      return this;
    }

    /** Sets {@link PackResult#partsPacked()}. */
    public Builder partsPacked(int partsPacked) {
      this.partsPacked = partsPacked;
      return this;
    }

    /** Sets {@link PackResult#committed()}. */
    public Builder committed(boolean committed) {
      this.committed = committed;
      return this;
    }

    /** Sets {@link PackResult#runBytesIn()}. */
    public Builder runBytesIn(long runBytesIn) {
      this.runBytesIn = runBytesIn;
      return this;
    }

    /** The result. */
    public PackResult build() {
      return new PackResult(
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
          runBytesIn < 0 ? bytesIn : runBytesIn);
    }
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
   * codecs} (per column, codec → parts stored with it, as {@link CodecReport#codecs}) when not
   * null.
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
