package io.jcolz.training.serve;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.ResizeMode;
import io.jcolz.image.RgbImage;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.data.BatchArrays;
import io.jcolz.training.model.ResNetModels;
import io.jcolz.training.model.ResNetSpec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A DJL {@link Translator} for a jcolz checkpoint: an image in, a {@link JcolzPrediction} out
 * (every label's probability, the thresholds chosen in training, the labels predicted at them).
 * Build it, with the model, through {@link JcolzCriteria}.
 *
 * <h2>Pre-processing: the code {@code jcolz pack} and {@code jcolz predict} run</h2>
 *
 * No step is re-implemented here:
 *
 * <ol>
 *   <li>decode and fit to the checkpoint's {@code height × width} by the training set's resize mode
 *       ({@link Checkpoint#resize()}) with {@link ImageDecoder#defaults()}'s {@code decodeResized},
 *       the call {@code jcolz pack} makes (its decoder differs only in refusing images below {@code
 *       --min-side}): EXIF orientation applied, alpha composited over white, subsampling while
 *       decoding, the antialiased resize and crop;
 *   <li>HWC to CHW, then {@link BatchArrays#normalize} — the ImageNet normalisation {@code jcolz
 *       predict}, {@code eval} and training apply to every batch;
 *   <li>the model in inference mode, then {@code σ(logit)} with DJL's {@link Activation#sigmoid},
 *       as {@code jcolz predict} does.
 * </ol>
 *
 * So for a {@link Path} or its bytes the probabilities are those {@code jcolz predict} prints for
 * the same file packed in {@code raw} mode at the checkpoint's size (the tools module's {@code
 * ServeWithDjlTest} checks 40 real images). Two inputs cannot be matched exactly: a dataset packed
 * in {@code jpeg} (or {@code smart}) mode holds a lossy JPEG of the fitted pixels, which serving
 * does not imitate; and a DJL {@link Image} was decoded by DJL, without EXIF orientation or
 * libjpeg-turbo's DCT scaling — its {@link BufferedImage} goes through {@link ImageDecoder#fit}
 * (same subsampling rule, alpha over white, resize), exact for PNGs. Other {@code Image}
 * implementations are written as PNG and decoded from those bytes.
 *
 * <p>Inputs: {@link Path}, {@code byte[]} (an encoded image) or {@link Image}; the type is fixed at
 * construction. Thread-safety: immutable and thread-safe (DJL predictors are not).
 *
 * @param <I> the input type
 */
public final class JcolzTranslator<I> implements Translator<I, JcolzPrediction> {
  /** The input types a translator takes. */
  public static final List<Class<?>> INPUTS = List.of(Path.class, byte[].class, Image.class);

  private final Class<I> input;
  private final List<String> labels;
  private final float[] thresholds;
  private final boolean thresholdsFromTraining;
  private final int width;
  private final int height;
  private final ResizeMode resize;
  private final ResNetSpec spec;
  private final ImageDecoder decoder = ImageDecoder.defaults();

  /**
   * A translator for a checkpoint's model.
   *
   * @param checkpoint the checkpoint's description (image size, vocabulary, thresholds, resize)
   * @param input {@code Path.class}, {@code byte[].class} or {@code Image.class}
   * @throws IllegalArgumentException another input type, or a resize mode this code does not know
   */
  public JcolzTranslator(Checkpoint checkpoint, Class<I> input) {
    Objects.requireNonNull(checkpoint, "checkpoint");
    if (!INPUTS.contains(Objects.requireNonNull(input, "input"))) {
      throw new IllegalArgumentException(
          "a jcolz translator takes Path, byte[] or ai.djl.modality.cv.Image, not "
              + input.getName());
    }
    this.input = input;
    this.labels = checkpoint.labels();
    int l = labels.size();
    this.thresholdsFromTraining = checkpoint.thresholds() != null;
    if (thresholdsFromTraining && checkpoint.thresholds().length != l) {
      throw new IllegalArgumentException(
          "checkpoint has " + checkpoint.thresholds().length + " thresholds for " + l + " labels");
    }
    float[] t = thresholdsFromTraining ? checkpoint.thresholds().clone() : new float[l];
    if (!thresholdsFromTraining) {
      Arrays.fill(t, 0.5f);
    }
    this.thresholds = t;
    this.spec = checkpoint.spec();
    this.width = checkpoint.spec().width();
    this.height = checkpoint.spec().height();
    this.resize =
        ResizeMode.parse(checkpoint.resize())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "checkpoint resize mode '" + checkpoint.resize() + "' is not known"));
  }

  /** The input type. */
  public Class<I> inputType() {
    return input;
  }

  /** How images are fitted to the model's size (the training set's, from the checkpoint). */
  public ResizeMode resize() {
    return resize;
  }

  /**
   * The pixels the model sees for an input, before normalisation: fitted {@code width × height}
   * RGB, as {@code jcolz pack} stores them.
   *
   * @param in the input (of {@link #inputType()})
   * @return the fitted image
   * @throws IOException the input cannot be read or decoded
   */
  public RgbImage pixels(I in) throws IOException {
    Objects.requireNonNull(in, "input");
    return switch (in) {
      case Path p -> decoder.decodeResized(p, width, height, resize);
      case byte[] b -> decoder.decodeResized(b, "image bytes", width, height, resize);
      case Image img -> fromImage(img);
      default ->
          throw new IllegalArgumentException(
              "a jcolz translator takes Path, byte[] or Image, not " + in.getClass().getName());
    };
  }

  private RgbImage fromImage(Image img) throws IOException {
    if (img.getWrappedImage() instanceof BufferedImage b) {
      return decoder.fit(b, "DJL image", width, height, resize);
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    img.save(png, "png");
    return decoder.decodeResized(png.toByteArray(), "DJL image", width, height, resize);
  }

  /**
   * Checks, once per predictor, that the model's parameters are the checkpoint's architecture: DJL
   * loads a parameter file of another label count without complaint.
   *
   * @throws ai.djl.MalformedModelException naming the first parameter whose shape differs
   */
  @Override
  public void prepare(TranslatorContext ctx) throws Exception {
    ResNetModels.checkShapes(ctx.getModel().getBlock(), spec, ctx.getModel().getModelPath());
  }

  @Override
  public NDList processInput(TranslatorContext ctx, I in) throws Exception {
    RgbImage img = pixels(in);
    NDManager m = ctx.getNDManager();
    try (NDManager scope = m.newSubManager()) {
      NDArray hwc =
          scope.create(
              java.nio.ByteBuffer.wrap(img.pixels()), new Shape(height, width, 3), DataType.UINT8);
      NDArray nchw = hwc.transpose(2, 0, 1).expandDims(0);
      NDArray x = BatchArrays.normalize(nchw).squeeze(0);
      x.attach(m);
      return new NDList(x);
    }
  }

  @Override
  public JcolzPrediction processOutput(TranslatorContext ctx, NDList list) {
    NDArray logits = list.singletonOrThrow();
    float[] p = Activation.sigmoid(logits).toFloatArray();
    return new JcolzPrediction(labels, p, thresholds, thresholdsFromTraining);
  }
}
