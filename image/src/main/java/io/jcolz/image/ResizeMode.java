package io.jcolz.image;

/** How an image is fitted to an exact output size. See {@link Resizer} for the precise geometry. */
public enum ResizeMode {
  /**
   * Scale so the shorter side matches the output (the output's aspect decides which side binds),
   * then cut the centre: no distortion, borders lost. Default, as torchvision's {@code Resize(S) +
   * CenterCrop(S)}.
   */
  SHORTER_SIDE_CENTER_CROP,
  /** Scale each axis independently to the output size: nothing lost, aspect distorted. */
  STRETCH,
  /**
   * Scale so the whole image fits, centre it, fill the rest with the background colour (letterbox).
   */
  PAD;

  /**
   * The name used on the command line and in dataset metadata (key {@code resize}; the same names
   * as format's PackedImages, pinned by pack's ResizeModeNamesTest): {@code
   * shorter-side+center-crop}, {@code stretch}, {@code pad}.
   */
  public String id() {
    return switch (this) {
      case SHORTER_SIDE_CENTER_CROP -> "shorter-side+center-crop";
      case STRETCH -> "stretch";
      case PAD -> "pad";
    };
  }

  /** The mode named {@code id} (any case), or empty. */
  public static java.util.Optional<ResizeMode> parse(String id) {
    for (ResizeMode m : values()) {
      if (m.id().equalsIgnoreCase(id.trim())) {
        return java.util.Optional.of(m);
      }
    }
    return java.util.Optional.empty();
  }
}
