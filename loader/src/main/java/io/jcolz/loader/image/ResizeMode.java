package io.jcolz.loader.image;

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
  PAD
}
