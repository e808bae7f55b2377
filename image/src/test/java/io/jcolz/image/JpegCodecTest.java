package io.jcolz.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.image.ImageDecodeException.Reason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JpegCodecTest {
  @Test
  void roundTripWithinPsnrAndAgreesWithTheGeneralDecoder() throws Exception {
    RgbImage img = TestImages.smooth(224, 224, 5);
    try (JpegEncoder enc = new JpegEncoder(90);
        JpegDecoder dec = new JpegDecoder()) {
      byte[] jpeg = enc.encode(img);
      RgbImage back = dec.decode(jpeg);
      double psnr = TestImages.psnr(img.pixels(), back.pixels());
      assertTrue(psnr > 35, "q90 PSNR " + psnr);
      assertArrayEquals(
          back.pixels(),
          ImageDecoder.defaults().decode(jpeg, "x.jpg").pixels(),
          "JpegDecoder and ImageDecoder give the same pixels");
      byte[] low = new JpegEncoder(30).encode(img);
      assertTrue(low.length < jpeg.length, "lower quality is smaller");
    }
  }

  @Test
  void decodeIntoHeapOffHeapAndSlicesAllAgree() throws Exception {
    RgbImage img = TestImages.smooth(64, 48, 2);
    try (JpegEncoder enc = new JpegEncoder(90);
        JpegDecoder dec = new JpegDecoder();
        Arena arena = Arena.ofConfined()) {
      byte[] jpeg = enc.encode(img);
      byte[] expected = dec.decode(jpeg).pixels();
      int n = expected.length;
      MemorySegment src = arena.allocate(jpeg.length + 7).asSlice(7);
      MemorySegment.copy(jpeg, 0, src, ValueLayout.JAVA_BYTE, 0, jpeg.length);

      MemorySegment off = arena.allocate(n);
      dec.decodeInto(src, 64, 48, off);
      assertArrayEquals(expected, off.toArray(ValueLayout.JAVA_BYTE), "off-heap");

      byte[] heap = new byte[n + 100];
      Arrays.fill(heap, (byte) 7);
      dec.decodeInto(MemorySegment.ofArray(jpeg), 64, 48, MemorySegment.ofArray(heap));
      assertArrayEquals(expected, Arrays.copyOf(heap, n), "heap in place");
      assertEquals(7, heap[n], "nothing written past the image");

      byte[] shifted = new byte[n + 10];
      dec.decodeInto(src, 64, 48, MemorySegment.ofArray(shifted).asSlice(10));
      assertArrayEquals(
          expected, Arrays.copyOfRange(shifted, 10, n + 10), "heap slice at an offset");

      MemorySegment batch = arena.allocate(3L * n);
      dec.decodeInto(src, 64, 48, PixelLayout.slot(batch, 2, 64, 48));
      assertArrayEquals(
          expected, batch.asSlice(2L * n, n).toArray(ValueLayout.JAVA_BYTE), "batch slot");

      byte[] enc2 = enc.encode(Arrays.copyOf(concat(new byte[5], img.pixels()), 5 + n), 5, 64, 48);
      assertArrayEquals(jpeg, enc2, "encoding from an array offset");
    }
  }

  @Test
  void grayJpegsDecodeToRgb() throws Exception {
    byte[] gray =
        TestImages.encode(
            TestImages.quadrants(16, 16, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "jpeg");
    try (JpegDecoder dec = new JpegDecoder()) {
      RgbImage img = dec.decode(gray);
      int c = img.rgb(4, 4);
      assertEquals(c >> 16 & 0xFF, c & 0xFF);
      assertEquals(c >> 8 & 0xFF, c & 0xFF);
    }
  }

  @Test
  void badBytesGiveReasons() throws Exception {
    byte[] jpeg;
    try (JpegEncoder enc = new JpegEncoder(90)) {
      jpeg = enc.encode(TestImages.smooth(128, 128, 1));
    }
    try (JpegDecoder dec = new JpegDecoder();
        Arena arena = Arena.ofConfined()) {
      MemorySegment dst = arena.allocate(128 * 128 * 3);
      assertEquals(
          Reason.EMPTY_FILE,
          assertThrows(ImageDecodeException.class, () -> dec.decode(new byte[0])).reason());
      assertEquals(
          Reason.NOT_AN_IMAGE,
          assertThrows(
                  ImageDecodeException.class,
                  () -> dec.decode("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
              .reason());
      assertEquals(
          Reason.TRUNCATED,
          assertThrows(
                  ImageDecodeException.class,
                  () ->
                      dec.decodeInto(
                          MemorySegment.ofArray(Arrays.copyOf(jpeg, jpeg.length / 2)),
                          128,
                          128,
                          dst))
              .reason());
      assertEquals(
          Reason.CORRUPT,
          assertThrows(
                  ImageDecodeException.class,
                  () -> dec.decodeInto(MemorySegment.ofArray(jpeg), 64, 128, dst))
              .reason(),
          "size mismatch");
      assertThrows(
          IndexOutOfBoundsException.class,
          () -> dec.decodeInto(MemorySegment.ofArray(jpeg), 128, 128, dst.asSlice(1)));
      assertEquals(
          Reason.UNSUPPORTED,
          assertThrows(ImageDecodeException.class, () -> dec.decode(CmykJpeg.redGreenBlueWhite()))
              .reason());
      // still usable after failures
      dec.decodeInto(MemorySegment.ofArray(jpeg), 128, 128, dst);
      java.util.SplittableRandom r = new java.util.SplittableRandom(11);
      for (int i = 0; i < 200; i++) {
        byte[] b = jpeg.clone();
        for (int k = 0; k < 3; k++) {
          b[2 + r.nextInt(b.length - 2)] = (byte) r.nextInt(256);
        }
        try {
          dec.decodeInto(MemorySegment.ofArray(b), 128, 128, dst);
        } catch (ImageDecodeException expected) {
          // fine: any reason
        }
      }
    }
  }

  @Test
  void rejectsMisuse() {
    assertThrows(IllegalArgumentException.class, () -> new JpegEncoder(0));
    assertThrows(IllegalArgumentException.class, () -> new JpegEncoder(101));
    JpegEncoder enc = new JpegEncoder(80);
    assertThrows(IndexOutOfBoundsException.class, () -> enc.encode(new byte[10], 0, 2, 2));
    enc.close();
    assertThrows(IllegalStateException.class, () -> enc.encode(TestImages.smooth(2, 2, 1)));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] o = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, o, a.length, b.length);
    return o;
  }
}
