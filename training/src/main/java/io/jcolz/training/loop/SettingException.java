package io.jcolz.training.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A setting of a training run (or a device list) that is invalid, or that does not fit the data or
 * the checkpoint. The message names the settings it is about as {@link TrainingSettings.Setting}s,
 * not in any front end's wording: {@link #getMessage()} uses the neutral names ({@code
 * learningRate}, {@code val}, {@code devices}: the builder methods and {@link Training#run}
 * parameters), and a front end renders the same message in its own words with {@link
 * #message(Function)} — the command line with its flags ({@code --lr}, {@code --val}, {@code
 * --devices}).
 *
 * <p>Thread-safety: immutable.
 */
public final class SettingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The text around the settings: {@code texts[0] settings[0] texts[1] … texts[n]}. */
  private final String[] texts;

  private final TrainingSettings.Setting[] settings;

  private SettingException(String[] texts, TrainingSettings.Setting[] settings) {
    super(render(texts, settings, TrainingSettings.Setting::toString));
    this.texts = texts;
    this.settings = settings;
  }

  /**
   * A message made of text and settings, in order, e.g. {@code of(Setting.EPOCHS, " must be at
   * least 1, got 0")}.
   *
   * @param parts {@link String}s and {@link TrainingSettings.Setting}s
   * @return the exception
   * @throws IllegalArgumentException for a part of another type
   */
  public static SettingException of(Object... parts) {
    List<String> texts = new ArrayList<>();
    List<TrainingSettings.Setting> settings = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (Object p : parts) {
      switch (p) {
        case TrainingSettings.Setting s -> {
          texts.add(text.toString());
          text.setLength(0);
          settings.add(s);
        }
        case String s -> text.append(s);
        default -> throw new IllegalArgumentException("not text or a setting: " + p);
      }
    }
    texts.add(text.toString());
    return new SettingException(
        texts.toArray(String[]::new), settings.toArray(TrainingSettings.Setting[]::new));
  }

  /**
   * The settings the message is about, in the order it names them.
   *
   * @return the settings (repeats kept)
   */
  public List<TrainingSettings.Setting> settings() {
    return List.of(settings);
  }

  /**
   * The message with each setting in a front end's words.
   *
   * @param names the wording of each setting, e.g. its command-line flag
   * @return the message
   */
  public String message(Function<? super TrainingSettings.Setting, String> names) {
    return render(texts, settings, Objects.requireNonNull(names));
  }

  private static String render(
      String[] texts,
      TrainingSettings.Setting[] settings,
      Function<? super TrainingSettings.Setting, String> names) {
    StringBuilder b = new StringBuilder(texts[0]);
    for (int i = 0; i < settings.length; i++) {
      b.append(names.apply(settings[i])).append(texts[i + 1]);
    }
    return b.toString();
  }
}
