package io.jcolz.training.serve;

import ai.djl.repository.zoo.Criteria;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.model.ResNetModels;
import java.io.IOException;
import java.nio.file.Path;

/**
 * DJL {@link Criteria} for a jcolz checkpoint directory: the model is the checkpoint's architecture
 * with its parameters, the translator a {@link JcolzTranslator} with its image size, resize mode,
 * vocabulary and thresholds.
 *
 * <pre>{@code
 * Criteria<Path, JcolzPrediction> criteria = JcolzCriteria.of(Path.of("ckpt"), Path.class);
 * try (ZooModel<Path, JcolzPrediction> model = criteria.loadModel();
 *      Predictor<Path, JcolzPrediction> predictor = model.newPredictor()) {
 *   JcolzPrediction p = predictor.predict(Path.of("owl.png"));
 * }
 * }</pre>
 *
 * <p>Thread-safety: stateless. Each call builds a new block: load the model once per criteria.
 */
public final class JcolzCriteria {
  /** DJL's name of the engine jcolz models run on. */
  public static final String ENGINE = "PyTorch";

  private JcolzCriteria() {}

  /**
   * A criteria builder set for a checkpoint; add {@code optDevice} and the like, then {@code
   * build()}.
   *
   * @param checkpoint a checkpoint directory (its {@code LATEST} is followed) or one {@code step-…}
   *     folder
   * @param input {@code Path.class}, {@code byte[].class} or {@code Image.class}
   * @param <I> the input type
   * @return the builder
   * @throws IOException the checkpoint cannot be found or read
   * @throws IllegalArgumentException the description is damaged, or the input type is not one the
   *     translator takes
   */
  public static <I> Criteria.Builder<I, JcolzPrediction> builder(Path checkpoint, Class<I> input)
      throws IOException {
    Checkpoints.Loaded loaded = Checkpoints.load(checkpoint);
    Checkpoint c = loaded.checkpoint();
    JcolzTranslator<I> translator = new JcolzTranslator<>(c, input);
    return Criteria.builder()
        .setTypes(input, JcolzPrediction.class)
        .optEngine(ENGINE)
        .optModelPath(loaded.directory())
        .optModelName(Checkpoints.PARAMS)
        .optBlock(ResNetModels.block(c.spec()))
        .optTranslator(translator);
  }

  /**
   * The criteria of {@link #builder}, built, for the engine's default device.
   *
   * @param checkpoint a checkpoint directory or one {@code step-…} folder
   * @param input {@code Path.class}, {@code byte[].class} or {@code Image.class}
   * @param <I> the input type
   * @return the criteria
   * @throws IOException the checkpoint cannot be found or read
   */
  public static <I> Criteria<I, JcolzPrediction> of(Path checkpoint, Class<I> input)
      throws IOException {
    return builder(checkpoint, input).build();
  }
}
