package io.jcolz.shapes;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A multi-label image set whose labels are visible: each image shows 1–4 distinct coloured shapes
 * (6 shapes × 2 colours = 12 labels, e.g. {@code red-circle}, {@code blue-cross}) at random places
 * and sizes on a noisy random background. A model that has learnt to see shapes and colours can
 * reach a mAP near 1; chance is the label frequency (≈ 0.2).
 *
 * <p>Images and labels are pure functions of (seed, index), so a set can be regenerated exactly.
 * Used by {@code jcolz demo} (written as image files plus a labels CSV, as a user's data would be)
 * and by the learning tests.
 *
 * <p>Thread-safe (stateless apart from the immutable settings).
 */
public final class ShapesGenerator {
  /** The six shapes. */
  public static final List<String> SHAPES =
      List.of("circle", "square", "triangle", "cross", "ring", "bar");

  /** The two colours (name, RGB). */
  private static final String[] COLOUR_NAMES = {"red", "blue"};

  private static final Color[] COLOURS = {new Color(220, 40, 40), new Color(40, 70, 230)};

  private final int size;
  private final long seed;

  /** A generator of {@code size}×{@code size} images. */
  public ShapesGenerator(int size, long seed) {
    if (size < 16) {
      throw new IllegalArgumentException("size " + size + " < 16");
    }
    this.size = size;
    this.seed = seed;
  }

  /**
   * The 12 label names, index order: colour-major ({@code red-circle, red-square, …, blue-bar}).
   */
  public static List<String> labelNames() {
    List<String> names = new ArrayList<>();
    for (String c : COLOUR_NAMES) {
      for (String s : SHAPES) {
        names.add(c + "-" + s);
      }
    }
    return names;
  }

  /** One generated sample: RGB pixels (H×W×3) and sorted label indices. */
  public record Sample(BufferedImage image, int[] labels) {
    /** Interleaved RGB bytes, H×W×3. */
    public byte[] rgb() {
      byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
      byte[] rgb = new byte[bgr.length];
      for (int i = 0; i < bgr.length; i += 3) {
        rgb[i] = bgr[i + 2];
        rgb[i + 1] = bgr[i + 1];
        rgb[i + 2] = bgr[i];
      }
      return rgb;
    }
  }

  /** Sample {@code index}. */
  public Sample sample(long index) {
    SplittableRandom r = new SplittableRandom(mix(seed * 0x9E3779B97F4A7C15L + index));
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      // background: a muted random colour with per-pixel noise
      int br = 90 + r.nextInt(110);
      int bg = 90 + r.nextInt(110);
      int bb = 90 + r.nextInt(110);
      byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
      for (int i = 0; i < px.length; i += 3) {
        int n = r.nextInt(31) - 15;
        px[i] = (byte) clamp(bb + n);
        px[i + 1] = (byte) clamp(bg + n);
        px[i + 2] = (byte) clamp(br + n);
      }
      int count = 1 + r.nextInt(4);
      boolean[] used = new boolean[12];
      List<Integer> labels = new ArrayList<>();
      while (labels.size() < count) {
        int label = r.nextInt(12);
        if (used[label]) {
          continue;
        }
        used[label] = true;
        labels.add(label);
        draw(g, r, label);
      }
      return new Sample(img, labels.stream().mapToInt(Integer::intValue).sorted().toArray());
    } finally {
      g.dispose();
    }
  }

  /** A 64-bit finaliser (SplittableRandom's own seeds must not be near each other). */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  private void draw(Graphics2D g, SplittableRandom r, int label) {
    int s = (int) Math.round(size * (0.22 + 0.18 * r.nextDouble()));
    int x = r.nextInt(Math.max(1, size - s));
    int y = r.nextInt(Math.max(1, size - s));
    g.setColor(COLOURS[label / 6]);
    float stroke = Math.max(2f, s / 5f);
    switch (SHAPES.get(label % 6)) {
      case "circle" -> g.fill(new Ellipse2D.Double(x, y, s, s));
      case "square" -> g.fillRect(x, y, s, s);
      case "triangle" ->
          g.fillPolygon(
              new Polygon(new int[] {x, x + s / 2, x + s}, new int[] {y + s, y, y + s}, 3));
      case "cross" -> {
        int t = Math.max(2, s / 4);
        g.fillRect(x + (s - t) / 2, y, t, s);
        g.fillRect(x, y + (s - t) / 2, s, t);
      }
      case "ring" -> {
        g.setStroke(new BasicStroke(stroke));
        g.draw(new Ellipse2D.Double(x + stroke / 2, y + stroke / 2, s - stroke, s - stroke));
      }
      case "bar" -> g.fillRect(x, y + s / 3, s, Math.max(2, s / 3));
      default -> throw new IllegalStateException();
    }
  }
}
