package io.jcolz.tools;

import io.jcolz.format.store.SiblingLayout;
import io.jcolz.pack.OutputCheck;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Where a command writes an image file the user named ({@code get --out}): the format the name's
 * extension says (PNG or JPEG; any other is refused), never over an existing file without {@code
 * --overwrite}, never inside a jcolz dataset, and through a temporary name renamed into place, so a
 * failed write leaves what was there. Stateless and thread-safe.
 */
final class ImageOut {
  private ImageOut() {}

  /**
   * Checks {@code out} before anything is read; returns the ImageIO format name.
   *
   * @throws Main.UsageException the extension is not png/jpg/jpeg, the file exists without {@code
   *     overwrite}, it is a directory, or it is inside a dataset
   */
  static String check(Path out, boolean overwrite) throws IOException {
    String name = out.getFileName() == null ? "" : out.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    String format =
        switch (ext) {
          case "png" -> "png";
          case "jpg", "jpeg" -> "jpeg";
          default ->
              throw new Main.UsageException(
                  "--out "
                      + out
                      + ": name the file .png or .jpg/.jpeg (the extension picks the format)");
        };
    if (Files.isDirectory(out)) {
      throw new Main.UsageException("--out " + out + " is a directory");
    }
    if (Files.exists(out) && !overwrite) {
      throw new Main.UsageException(
          "--out " + out + " already exists; use --overwrite to replace it");
    }
    for (Path d = out.toAbsolutePath().normalize().getParent(); d != null; d = d.getParent()) {
      Path real = d;
      if (Files.isDirectory(d)) {
        real = d.toRealPath();
      }
      if (Files.isDirectory(real) && OutputCheck.isDataset(real)) {
        throw new Main.UsageException(
            "--out " + out + " is inside the dataset " + real + "; write it somewhere else");
      }
    }
    return format;
  }

  /** Writes {@code img} to {@code out} as {@code format}, through a temporary name. */
  static void write(BufferedImage img, String format, Path out, boolean overwrite)
      throws IOException {
    Path abs = out.toAbsolutePath().normalize();
    Files.createDirectories(abs.getParent());
    Path tmp = SiblingLayout.temporary(abs);
    try {
      ImageWriter w = ImageIO.getImageWritersByFormatName(format).next();
      try (ImageOutputStream s = ImageIO.createImageOutputStream(tmp.toFile())) {
        w.setOutput(s);
        ImageWriteParam p = w.getDefaultWriteParam();
        if (format.equals("jpeg")) {
          p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
          p.setCompressionQuality(0.95f);
        }
        w.write(null, new IIOImage(img, null, null), p);
      } finally {
        w.dispose();
      }
      if (overwrite) {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(tmp, abs); // refuses a file that appeared meanwhile
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
