package io.jcolz.image;

import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Makes a CMYK JPEG the way Photoshop stores them: four components, inverted ink values, and an
 * Adobe APP14 segment with transform 0 (no colour transform), inserted by hand after the SOI.
 */
public final class CmykJpeg {
  private CmykJpeg() {}

  /** 32x32, quadrants red, green, blue, white (as CMYK inks). */
  public static byte[] redGreenBlueWhite() {
    WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 32, 32, 4, null);
    int[][] cmyk = {{0, 255, 255, 0}, {255, 0, 255, 0}, {255, 255, 0, 0}, {0, 0, 0, 0}};
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        int[] v = cmyk[(y < 16 ? 0 : 2) + (x < 16 ? 0 : 1)].clone();
        for (int i = 0; i < 4; i++) {
          v[i] = 255 - v[i];
        }
        r.setPixel(x, y, v);
      }
    }
    ImageWriter w = ImagePlugins.jdkJpegWriter();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      w.setOutput(out);
      w.write(null, new IIOImage(r, null, null), null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      w.dispose();
    }
    byte[] plain = bytes.toByteArray();
    byte[] app14 = {
      (byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0
    };
    byte[] out = new byte[plain.length + app14.length];
    out[0] = (byte) 0xFF;
    out[1] = (byte) 0xD8;
    System.arraycopy(app14, 0, out, 2, app14.length);
    System.arraycopy(plain, 2, out, 2 + app14.length, plain.length - 2);
    return out;
  }
}
