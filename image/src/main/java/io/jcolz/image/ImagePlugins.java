package io.jcolz.image;

import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriter;

/** Registers the TwelveMonkeys ImageIO plugins once per JVM and picks readers/writers. */
final class ImagePlugins {
  private ImagePlugins() {}

  private static final class Holder {
    static {
      // Plugins on the class path are normally found when IIORegistry starts, but not when the
      // registry was first touched from another class loader (containers, test runners).
      ImageIO.scanForPlugins();
    }

    static void touch() {}
  }

  static void ensureRegistered() {
    Holder.touch();
  }

  /** The JDK's own (libjpeg-based) JPEG reader: fastest for plain YCbCr/gray JPEGs. */
  static ImageReader jdkJpegReader() {
    ensureRegistered();
    ImageReader first = null;
    for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext(); ) {
      ImageReader r = it.next();
      if (r.getClass().getName().startsWith("com.sun.imageio.")) {
        if (first != null) {
          first.dispose();
        }
        return r;
      }
      if (first == null) {
        first = r;
      } else {
        r.dispose();
      }
    }
    if (first == null) {
      throw new IllegalStateException("no ImageIO JPEG reader installed");
    }
    return first;
  }

  /** The JDK's own JPEG writer (the TwelveMonkeys one delegates to it anyway). */
  static ImageWriter jdkJpegWriter() {
    ensureRegistered();
    ImageWriter first = null;
    for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
      ImageWriter w = it.next();
      if (w.getClass().getName().startsWith("com.sun.imageio.")) {
        if (first != null) {
          first.dispose();
        }
        return w;
      }
      if (first == null) {
        first = w;
      } else {
        w.dispose();
      }
    }
    if (first == null) {
      throw new IllegalStateException("no ImageIO JPEG writer installed");
    }
    return first;
  }
}
