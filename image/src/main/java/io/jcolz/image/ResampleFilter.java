package io.jcolz.image;

/**
 * The reconstruction filter used by {@link Resizer} and the loader's augmentation ({@code
 * io.jcolz.loader.augment.Augmenter}). Both are antialiased: when shrinking by a factor {@code f},
 * the filter is widened by {@code f}, so every source pixel contributes (the algorithm of PIL's
 * {@code Image.resize} and torchvision's {@code antialias=True}), never nearest-neighbour sampling.
 */
public enum ResampleFilter {
  /**
   * Triangle filter: bilinear when enlarging, antialiased (tent-weighted area) when shrinking.
   * Default.
   */
  BILINEAR(1.0),
  /** Box filter: nearest pixel when enlarging, exact area average when shrinking. */
  BOX(0.5);

  final double support;

  ResampleFilter(double support) {
    this.support = support;
  }

  double eval(double x) {
    if (this == BOX) {
      return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
    }
    double a = Math.abs(x);
    return a < 1.0 ? 1.0 - a : 0.0;
  }
}
