package io.jcolz.training.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Collects the scores and labels of a multi-label evaluation set batch by batch and computes mean
 * average precision, F1 at thresholds and per-label best thresholds in one pass ({@link
 * #evaluate(float)}).
 *
 * <h2>Inputs</h2>
 *
 * Scores are host {@code float[]} in row-major {@code [B, L]} order; any monotone score works
 * (logits or probabilities {@code σ(logit)}), and a threshold is in the same units (0.5 for
 * probabilities is the same cut as 0 for logits). Labels come either dense — a multi-hot {@code
 * float[B·L]} where a label is positive when its value is {@code ≥ 0.5}, so smoothed targets also
 * work — or sparse, as interleaved {@code (row, label)} pairs, rows counted from the start of the
 * batch (the layout of the loader's {@code [nnz, 2]} array); a pair given twice counts once. NaN
 * scores are rejected when added. {@link #addSparse(float[], int, int[], int[])} also takes unknown
 * {@code (row, label)} pairs, and {@link #addKnown} verified negatives of samples whose unlisted
 * labels are unknown: each label is then evaluated only on the samples where it is known (positive,
 * or not unknown), as Open Images' evaluation does; the report counts what was left out ({@link
 * MultiLabelReport#unknownsSkipped()}).
 *
 * <h2>Memory</h2>
 *
 * Exact average precision needs every score, so they are kept: {@code 4·N·L} bytes for {@code N}
 * samples (for L = 11,000: 44 KB per image, 4.4 GB for 100,000 validation images), plus {@code 8}
 * bytes per positive. Each batch is copied once into its own array; nothing of size {@code N·L} is
 * ever allocated in one piece. At most {@code heapScoreBytes} of scores stay on the heap (default
 * {@link #defaultHeapScoreBytes()}): when the batches held reach it, they are <em>spilled</em> —
 * written label-major (each label's scores of those rows back to back, little-endian {@code
 * float32}) to a scratch file in {@code scratchDir} — and the heap copies dropped. {@link
 * #evaluate(float[])} maps the scratch file read-only and reads the same {@code float} values back,
 * so a spilled evaluation gives bit for bit the report of one held on the heap; it transposes the
 * scores in blocks of labels whose size keeps each worker's scratch under about 8 MB. The heap
 * therefore holds {@code heapScoreBytes + 8 B × positives + about 8 MB × evaluating threads},
 * whatever N.
 *
 * <p>The scratch file is created on the first spill and unlinked as soon as it is open (where the
 * file system allows; otherwise it is deleted on {@link #close()}), so no file is left behind even
 * if the process is killed; {@link #close()} closes it and unmaps it, which returns its disk space.
 * A failed spill (disk full) closes the evaluator and throws {@link UncheckedIOException} naming
 * the file. An evaluator that never spilled holds no resources, and closing it is optional.
 *
 * <p>Thread-safety: not thread-safe; add batches from one thread (or synchronise), and do not close
 * it while evaluating. {@code evaluate} may run labels in parallel on the common fork-join pool;
 * its result does not depend on the number of threads or on spilling.
 */
public final class MultiLabelEvaluator implements AutoCloseable {

  /** Scratch floats per worker during {@link #evaluate(float[])} (2^21 floats = 8 MB). */
  private static final int SCRATCH_FLOATS = 1 << 21;

  /** Labels transposed at a time when spilling. */
  private static final int SPILL_TILE_LABELS = 64;

  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Opens the scratch file for reading and writing; a seam for the failure tests. */
  interface ScratchOpener {
    FileChannel open(Path file) throws IOException;
  }

  private static final ScratchOpener READ_WRITE =
      file -> FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);

  private final int numLabels;
  private final long heapScoreBytes;
  private final Path scratchDir;
  private final ScratchOpener opener;

  /** Batches on the heap, row-major; they follow every spilled sample. */
  private final List<float[]> batches = new ArrayList<>();

  private long heldBytes;

  /** Spilled segments: first sample, rows, byte offset in the scratch file (label-major). */
  private final List<long[]> segments = new ArrayList<>();

  private int spilledSamples;
  private Path scratchFile;
  private FileChannel scratch;
  private long scratchBytes;
  private Arena mappedArena;
  private MemorySegment mapped;
  private boolean closed;
  private int numSamples;
  private int[] positiveSample = new int[1024];
  private int[] positiveLabel = new int[1024];
  private int numPositivePairs;
  private int[] unknownSample = new int[0];
  private int[] unknownLabel = new int[0];
  private int numUnknownPairs;
  private int[] negativeSample = new int[0];
  private int[] negativeLabel = new int[0];
  private int numNegativePairs;
  private final java.util.BitSet unlistedUnknown = new java.util.BitSet();

  /**
   * Creates an empty evaluator that keeps at most {@link #defaultHeapScoreBytes()} of scores on the
   * heap and spills the rest to a scratch file in {@code java.io.tmpdir}.
   *
   * @param numLabels the label vocabulary size L, at least 1
   */
  public MultiLabelEvaluator(int numLabels) {
    this(numLabels, defaultHeapScoreBytes(), Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * Creates an empty evaluator with a stated heap budget for scores.
   *
   * @param numLabels the label vocabulary size L, at least 1
   * @param heapScoreBytes scores held on the heap before they are spilled; {@code 0} spills every
   *     batch, {@link Long#MAX_VALUE} never spills
   * @param scratchDir the directory of the scratch file (created on the first spill)
   */
  public MultiLabelEvaluator(int numLabels, long heapScoreBytes, Path scratchDir) {
    this(numLabels, heapScoreBytes, scratchDir, READ_WRITE);
  }

  MultiLabelEvaluator(int numLabels, long heapScoreBytes, Path scratchDir, ScratchOpener opener) {
    if (numLabels < 1) {
      throw new IllegalArgumentException("numLabels must be at least 1, got " + numLabels);
    }
    if (heapScoreBytes < 0) {
      throw new IllegalArgumentException("heapScoreBytes must be ≥ 0, got " + heapScoreBytes);
    }
    this.numLabels = numLabels;
    this.heapScoreBytes = heapScoreBytes;
    this.scratchDir = scratchDir;
    this.opener = opener;
  }

  /**
   * The default heap budget for scores: an eighth of the maximum heap, at most 256 MiB (128 MiB
   * under {@code -Xmx1g}).
   *
   * @return bytes
   */
  public static long defaultHeapScoreBytes() {
    return Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8);
  }

  /**
   * Returns the number of samples whose scores were spilled to the scratch file.
   *
   * @return spilled samples, {@code 0} if the evaluator never spilled
   */
  public int spilledSamples() {
    return spilledSamples;
  }

  /**
   * Returns the number of labels L.
   *
   * @return L
   */
  public int numLabels() {
    return numLabels;
  }

  /**
   * Returns the number of samples added so far.
   *
   * @return N
   */
  public int numSamples() {
    return numSamples;
  }

  /**
   * Adds a batch with dense multi-hot labels.
   *
   * @param scores {@code [batchSize, L]} row-major scores; copied
   * @param targets {@code [batchSize, L]} row-major targets; positive where {@code ≥ 0.5}
   * @param batchSize B
   * @throws IllegalArgumentException if a length does not match or a score is NaN
   */
  public void addDense(float[] scores, float[] targets, int batchSize) {
    float[] copy = checkedScores(scores, batchSize);
    if (targets.length != copy.length) {
      throw new IllegalArgumentException(
          "dense targets: actual length "
              + targets.length
              + " vs expected "
              + batchSize
              + "×"
              + numLabels
              + " = "
              + copy.length);
    }
    for (int i = 0; i < targets.length; i++) {
      if (targets[i] >= 0.5f) {
        addPositive(numSamples + i / numLabels, i % numLabels);
      }
    }
    commit(copy, batchSize);
  }

  /**
   * Adds a batch with sparse labels.
   *
   * @param scores {@code [batchSize, L]} row-major scores; copied
   * @param batchSize B
   * @param pairs interleaved {@code (row, label)} pairs, {@code 0 ≤ row < B}, {@code 0 ≤ label <
   *     L}; may repeat
   * @throws IllegalArgumentException if a length does not match, a pair is out of range or a score
   *     is NaN
   */
  public void addSparse(float[] scores, int batchSize, int[] pairs) {
    addSparse(scores, batchSize, pairs, new int[0]);
  }

  /**
   * Adds a batch with sparse labels and unknown labels. An unknown {@code (row, label)} is left out
   * of that label's evaluation (its average precision, counts and threshold), as Open Images'
   * evaluation skips labels not annotated on an image; the sample still counts for the other
   * labels. A pair listed both as positive and as unknown is a positive.
   *
   * @param scores {@code [batchSize, L]} row-major scores; copied
   * @param batchSize B
   * @param pairs interleaved positive {@code (row, label)} pairs; may repeat
   * @param unknownPairs interleaved unknown {@code (row, label)} pairs; may repeat
   * @throws IllegalArgumentException if a length does not match, a pair is out of range or a score
   *     is NaN
   */
  public void addSparse(float[] scores, int batchSize, int[] pairs, int[] unknownPairs) {
    checkPairs(unknownPairs, batchSize, "unknown");
    float[] copy = checkedScores(scores, batchSize);
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException(
          "sparse labels must be (row, label) pairs, got odd length " + pairs.length);
    }
    for (int k = 0; k < pairs.length; k += 2) {
      int row = pairs[k];
      int label = pairs[k + 1];
      if (row < 0 || row >= batchSize || label < 0 || label >= numLabels) {
        throw new IllegalArgumentException(
            "sparse label pair "
                + k / 2
                + " out of range: actual ("
                + row
                + ", "
                + label
                + ") vs expected rows [0, "
                + batchSize
                + ") labels [0, "
                + numLabels
                + ")");
      }
    }
    for (int k = 0; k < pairs.length; k += 2) {
      addPositive(numSamples + pairs[k], pairs[k + 1]);
    }
    for (int k = 0; k < unknownPairs.length; k += 2) {
      addUnknown(numSamples + unknownPairs[k], unknownPairs[k + 1]);
    }
    commit(copy, batchSize);
  }

  /**
   * Adds a batch of partial labels whose unlisted labels are unknown (as the loader delivers a
   * dataset with {@code unlisted = unknown}): label {@code j} of a sample is evaluated only when
   * the sample lists it as a positive or as a verified negative, and left out otherwise, as Open
   * Images' evaluation does. Batches added by the other methods keep every label known.
   *
   * @param scores {@code [batchSize, L]} row-major scores; copied
   * @param batchSize B
   * @param pairs interleaved positive {@code (row, label)} pairs; may repeat
   * @param negativePairs interleaved verified-negative {@code (row, label)} pairs; may repeat (a
   *     pair listed as both is a positive)
   * @throws IllegalArgumentException if a length does not match, a pair is out of range or a score
   *     is NaN
   */
  public void addKnown(float[] scores, int batchSize, int[] pairs, int[] negativePairs) {
    checkPairs(negativePairs, batchSize, "negative");
    int first = numSamples;
    addSparse(scores, batchSize, pairs, new int[0]);
    for (int k = 0; k < negativePairs.length; k += 2) {
      if (numNegativePairs == negativeSample.length) {
        int capacity =
            Math.toIntExact(
                Math.min(Integer.MAX_VALUE - 8L, Math.max(1024L, 2L * numNegativePairs)));
        negativeSample = Arrays.copyOf(negativeSample, capacity);
        negativeLabel = Arrays.copyOf(negativeLabel, capacity);
      }
      negativeSample[numNegativePairs] = first + negativePairs[k];
      negativeLabel[numNegativePairs] = negativePairs[k + 1];
      numNegativePairs++;
    }
    unlistedUnknown.set(first, first + batchSize);
  }

  /**
   * Adds a batch straight from DJL arrays, copying them to the host: scores {@code [B, L]} of any
   * floating type, labels either dense {@code [B, L]} (floating, boolean or uint8) or {@code
   * int32}/{@code int64} {@code (row, label)} pairs {@code [nnz, 2]}.
   *
   * @param scores the batch's scores (for example {@code σ(logits)})
   * @param labels the batch's labels in either form
   * @throws IllegalArgumentException if the shapes or types do not fit
   */
  public void add(NDArray scores, NDArray labels) {
    Shape shape = scores.getShape();
    if (shape.dimension() != 2 || shape.get(1) != numLabels) {
      throw new IllegalArgumentException("scores must be [batch, " + numLabels + "], got " + shape);
    }
    int batchSize = Math.toIntExact(shape.get(0));
    float[] host = toFloats(scores);
    DataType type = labels.getDataType();
    if (type == DataType.INT32 || type == DataType.INT64) {
      Shape pairShape = labels.getShape();
      if (pairShape.dimension() != 2 || pairShape.get(1) != 2) {
        throw new IllegalArgumentException(
            "integer labels must be (row, label) pairs [nnz, 2], got " + pairShape);
      }
      int[] pairs =
          type == DataType.INT32
              ? labels.toIntArray()
              : Arrays.stream(labels.toLongArray()).mapToInt(Math::toIntExact).toArray();
      addSparse(host, batchSize, pairs);
    } else {
      if (!labels.getShape().equals(shape)) {
        throw new IllegalArgumentException(
            "dense labels: actual shape " + labels.getShape() + " vs expected " + shape);
      }
      addDense(host, toFloats(labels), batchSize);
    }
  }

  private static float[] toFloats(NDArray array) {
    if (array.getDataType() == DataType.FLOAT32) {
      return array.toFloatArray();
    }
    try (NDArray asFloat = array.toType(DataType.FLOAT32, false)) {
      return asFloat.toFloatArray();
    }
  }

  private float[] checkedScores(float[] scores, int batchSize) {
    ensureOpen();
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    long expected = (long) batchSize * numLabels;
    if (scores.length != expected) {
      throw new IllegalArgumentException(
          "scores: actual length "
              + scores.length
              + " vs expected "
              + batchSize
              + "×"
              + numLabels
              + " = "
              + expected);
    }
    if ((long) numSamples + batchSize > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("more than 2^31 - 1 samples");
    }
    for (int i = 0; i < scores.length; i++) {
      if (Float.isNaN(scores[i])) {
        throw new IllegalArgumentException(
            "NaN score at row "
                + i / numLabels
                + " (sample "
                + (numSamples + i / numLabels)
                + ") label "
                + i % numLabels);
      }
    }
    return scores.clone();
  }

  private void commit(float[] scores, int batchSize) {
    batches.add(scores);
    numSamples += batchSize;
    heldBytes += 4L * scores.length;
    if (heldBytes >= heapScoreBytes) {
      spill();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("evaluator is closed");
    }
  }

  /** Writes the held batches label-major to the scratch file and drops them from the heap. */
  private void spill() {
    int rows = 0;
    for (float[] batch : batches) {
      rows += batch.length / numLabels;
    }
    try {
      if (scratch == null) {
        Files.createDirectories(scratchDir);
        scratchFile = Files.createTempFile(scratchDir, "jcolz-eval-", ".scores");
        scratch = opener.open(scratchFile);
        try {
          Files.delete(scratchFile); // unlinked: the open channel keeps it until close
        } catch (IOException e) {
          // a file system that cannot unlink an open file: close() deletes it instead
        }
      }
      int tile = Math.min(SPILL_TILE_LABELS, numLabels);
      ByteBuffer buffer = ByteBuffer.allocateDirect(4 * tile * rows).order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer floats = buffer.asFloatBuffer();
      float[] transposed = new float[tile * rows];
      long offset = scratchBytes;
      long position = offset;
      for (int from = 0; from < numLabels; from += tile) {
        int to = Math.min(numLabels, from + tile);
        int r = 0;
        for (float[] batch : batches) {
          int batchRows = batch.length / numLabels;
          for (int b = 0; b < batchRows; b++, r++) {
            int base = b * numLabels;
            for (int j = from; j < to; j++) {
              transposed[(j - from) * rows + r] = batch[base + j];
            }
          }
        }
        int count = (to - from) * rows;
        floats.clear();
        floats.put(transposed, 0, count);
        buffer.clear().limit(4 * count);
        while (buffer.hasRemaining()) {
          position += scratch.write(buffer, position);
        }
      }
      scratchBytes = position;
      segments.add(new long[] {spilledSamples, rows, offset});
      spilledSamples += rows;
      batches.clear();
      heldBytes = 0;
    } catch (IOException | RuntimeException e) {
      close();
      String where = scratchFile != null ? scratchFile.toString() : scratchDir.toString();
      if (e instanceof IOException io) {
        throw new UncheckedIOException(
            "cannot spill evaluation scores to " + where + ": " + io.getMessage(), io);
      }
      throw new IllegalStateException("cannot spill evaluation scores to " + where + ": " + e, e);
    }
  }

  /** Maps the scratch file read-only, again if it grew since the last mapping. */
  private MemorySegment mapScratch() {
    if (mapped != null && mapped.byteSize() == scratchBytes) {
      return mapped;
    }
    if (mappedArena != null) {
      mappedArena.close();
      mappedArena = null;
      mapped = null;
    }
    Arena arena = Arena.ofShared();
    try {
      mapped = scratch.map(FileChannel.MapMode.READ_ONLY, 0, scratchBytes, arena);
      mappedArena = arena;
      return mapped;
    } catch (IOException e) {
      arena.close();
      throw new UncheckedIOException(
          "cannot map evaluation scratch file " + scratchFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * Closes and removes the scratch file, if any. The evaluator cannot be used afterwards, except
   * that closing again does nothing.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    batches.clear();
    if (mappedArena != null) {
      mappedArena.close();
      mappedArena = null;
      mapped = null;
    }
    if (scratch != null) {
      try {
        scratch.close();
      } catch (IOException e) {
        // nothing useful to do: the file is unlinked or deleted below
      }
      scratch = null;
    }
    if (scratchFile != null) {
      try {
        Files.deleteIfExists(scratchFile);
      } catch (IOException e) {
        // already unlinked where the file system allows it
      }
    }
  }

  private void checkPairs(int[] pairs, int batchSize, String what) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException(
          what + " labels must be (row, label) pairs, got odd length " + pairs.length);
    }
    for (int k = 0; k < pairs.length; k += 2) {
      if (pairs[k] < 0 || pairs[k] >= batchSize || pairs[k + 1] < 0 || pairs[k + 1] >= numLabels) {
        throw new IllegalArgumentException(
            what
                + " label pair "
                + k / 2
                + " out of range: actual ("
                + pairs[k]
                + ", "
                + pairs[k + 1]
                + ") vs expected rows [0, "
                + batchSize
                + ") labels [0, "
                + numLabels
                + ")");
      }
    }
  }

  private void addUnknown(int sample, int label) {
    if (numUnknownPairs == unknownSample.length) {
      int capacity =
          Math.toIntExact(Math.min(Integer.MAX_VALUE - 8L, Math.max(1024L, 2L * numUnknownPairs)));
      unknownSample = Arrays.copyOf(unknownSample, capacity);
      unknownLabel = Arrays.copyOf(unknownLabel, capacity);
    }
    unknownSample[numUnknownPairs] = sample;
    unknownLabel[numUnknownPairs] = label;
    numUnknownPairs++;
  }

  private void addPositive(int sample, int label) {
    if (numPositivePairs == positiveSample.length) {
      int capacity = Math.toIntExact(Math.min(Integer.MAX_VALUE - 8L, 2L * positiveSample.length));
      positiveSample = Arrays.copyOf(positiveSample, capacity);
      positiveLabel = Arrays.copyOf(positiveLabel, capacity);
    }
    positiveSample[numPositivePairs] = sample;
    positiveLabel[numPositivePairs] = label;
    numPositivePairs++;
  }

  /**
   * Evaluates every label at one threshold.
   *
   * @param threshold a sample is predicted positive for a label when its score is {@code ≥
   *     threshold}
   * @return the report
   * @throws IllegalStateException if no sample was added
   */
  public MultiLabelReport evaluate(float threshold) {
    float[] thresholds = new float[numLabels];
    Arrays.fill(thresholds, threshold);
    return evaluate(thresholds);
  }

  /**
   * Evaluates every label at its own threshold (for example {@link
   * MultiLabelReport#bestThresholds(float)} chosen on a validation set).
   *
   * @param thresholds one threshold per label; predicted positive when score {@code ≥} threshold;
   *     NaN is not allowed
   * @return the report
   * @throws IllegalStateException if no sample was added
   */
  public MultiLabelReport evaluate(float[] thresholds) {
    if (thresholds.length != numLabels) {
      throw new IllegalArgumentException(
          "thresholds: actual length " + thresholds.length + " vs expected " + numLabels);
    }
    for (int j = 0; j < numLabels; j++) {
      if (Float.isNaN(thresholds[j])) {
        throw new IllegalArgumentException("NaN threshold for label " + j);
      }
    }
    ensureOpen();
    if (numSamples == 0) {
      throw new IllegalStateException("nothing to evaluate: no samples were added");
    }
    MemorySegment spilled = spilledSamples > 0 ? mapScratch() : null;
    int[][] csr = byLabel(positiveSample, positiveLabel, numPositivePairs);
    int[] offsets = csr[0];
    int[] samples = csr[1];
    int[][] unknownCsr = byLabel(unknownSample, unknownLabel, numUnknownPairs);
    int[] unknownOffsets = unknownCsr[0];
    int[] unknownSamples = unknownCsr[1];
    int[][] negativeCsr = byLabel(negativeSample, negativeLabel, numNegativePairs);
    Known known =
        new Known(unknownOffsets, unknownSamples, negativeCsr[0], negativeCsr[1], unlistedUnknown);
    boolean partial = !unlistedUnknown.isEmpty();
    LabelStats stats = new LabelStats(numLabels, thresholds.clone());
    int block = Math.max(1, Math.min(64, SCRATCH_FLOATS / numSamples));
    int numBlocks = (numLabels + block - 1) / block;
    IntStream.range(0, numBlocks)
        .parallel()
        .forEach(
            b -> {
              int from = b * block;
              int to = Math.min(numLabels, from + block);
              float[][] columns = gather(spilled, from, to);
              for (int j = from; j < to; j++) {
                if (partial || unknownOffsets[j] < unknownOffsets[j + 1]) {
                  evaluateKnown(
                      j,
                      columns[j - from],
                      samples,
                      offsets[j],
                      offsets[j + 1],
                      known,
                      thresholds[j],
                      stats);
                  continue;
                }
                stats.evaluated[j] = numSamples;
                LabelEvaluation.evaluate(
                    j,
                    columns[j - from],
                    numSamples,
                    samples,
                    offsets[j],
                    offsets[j + 1],
                    thresholds[j],
                    stats);
              }
            });
    return new MultiLabelReport(numSamples, stats);
  }

  /** Scores of labels {@code [from, to)} for every sample, label-major. */
  private float[][] gather(MemorySegment spilled, int from, int to) {
    float[][] columns = new float[to - from][numSamples];
    for (long[] segment : segments) {
      int first = (int) segment[0];
      int rows = (int) segment[1];
      long offset = segment[2];
      for (int j = from; j < to; j++) {
        MemorySegment.copy(
            spilled, LE_FLOAT, offset + 4L * j * rows, columns[j - from], first, rows);
      }
    }
    int sample = spilledSamples;
    for (float[] batch : batches) {
      int rows = batch.length / numLabels;
      for (int r = 0; r < rows; r++, sample++) {
        int base = r * numLabels;
        for (int j = from; j < to; j++) {
          columns[j - from][sample] = batch[base + j];
        }
      }
    }
    return columns;
  }

  /**
   * Evaluates label {@code j} over the samples where it is known: the unknown samples (sorted,
   * unique) that are not positives are dropped from the column and the positives renumbered.
   */
  private void evaluateKnown(
      int j,
      float[] column,
      int[] samples,
      int from,
      int to,
      Known known,
      float threshold,
      LabelStats stats) {
    float[] kept = new float[numSamples];
    int[] positives = new int[to - from];
    int n = 0;
    int np = 0;
    int p = from;
    int u = known.unknownOffsets[j];
    int uTo = known.unknownOffsets[j + 1];
    int v = known.negativeOffsets[j];
    int vTo = known.negativeOffsets[j + 1];
    for (int i = 0; i < numSamples; i++) {
      boolean positive = p < to && samples[p] == i;
      if (positive) {
        p++;
      }
      while (u < uTo && known.unknownSamples[u] < i) {
        u++;
      }
      while (v < vTo && known.negativeSamples[v] < i) {
        v++;
      }
      if (!positive
          && ((u < uTo && known.unknownSamples[u] == i)
              || (known.unlistedUnknown.get(i) && !(v < vTo && known.negativeSamples[v] == i)))) {
        continue; // unknown for this label: not evaluated
      }
      if (positive) {
        positives[np++] = n;
      }
      kept[n++] = column[i];
    }
    stats.evaluated[j] = n;
    LabelEvaluation.evaluate(j, Arrays.copyOf(kept, n), n, positives, 0, np, threshold, stats);
  }

  /**
   * What is known of each label: the unknown pairs and the verified negatives grouped by label, and
   * the samples whose unlisted labels are unknown.
   */
  private record Known(
      int[] unknownOffsets,
      int[] unknownSamples,
      int[] negativeOffsets,
      int[] negativeSamples,
      java.util.BitSet unlistedUnknown) {}

  /** Pairs grouped by label: {offsets[L+1], samples sorted and unique within a label}. */
  private int[][] byLabel(int[] positiveSample, int[] positiveLabel, int numPositivePairs) {
    int[] counts = new int[numLabels + 1];
    for (int k = 0; k < numPositivePairs; k++) {
      counts[positiveLabel[k] + 1]++;
    }
    for (int j = 0; j < numLabels; j++) {
      counts[j + 1] += counts[j];
    }
    int[] next = Arrays.copyOf(counts, numLabels);
    int[] samples = new int[numPositivePairs];
    for (int k = 0; k < numPositivePairs; k++) {
      samples[next[positiveLabel[k]]++] = positiveSample[k];
    }
    // sort each label's samples and drop repeats (a pair given twice counts once)
    int[] offsets = new int[numLabels + 1];
    int write = 0;
    for (int j = 0; j < numLabels; j++) {
      int from = counts[j];
      int to = counts[j + 1];
      Arrays.sort(samples, from, to);
      offsets[j] = write;
      for (int k = from; k < to; k++) {
        if (k == from || samples[k] != samples[k - 1]) {
          samples[write++] = samples[k];
        }
      }
    }
    offsets[numLabels] = write;
    return new int[][] {offsets, samples};
  }
}
