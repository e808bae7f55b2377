package io.jcolz.training.pth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state-dict reader against files torch.save wrote (pth_cases.py; those tests skip without
 * /usr/bin/python3 + torch), and against hand-made bad files.
 */
class TorchStateDictTest {
  @TempDir Path dir;

  private void cases() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
    Path script = dir.resolve("pth_cases.py");
    try (InputStream in = getClass().getResourceAsStream("pth_cases.py")) {
      Files.copy(in, script);
    }
    Process p =
        new ProcessBuilder(python.toString(), script.toString(), dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
    assumeTrue(!out.contains("No module named 'torch'"), "python3 without torch");
    assertEquals(0, p.exitValue(), out);
  }

  private float[] expected(String name) throws Exception {
    ByteBuffer b =
        ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name + ".f32")))
            .order(ByteOrder.LITTLE_ENDIAN);
    float[] f = new float[b.remaining() / 4];
    b.asFloatBuffer().get(f);
    return f;
  }

  @Test
  void readsTensorsOfEveryFloatTypeWithStridesAndOffsets() throws Exception {
    cases();
    try (TorchStateDict sd = TorchStateDict.open(dir.resolve("cases.pth"))) {
      assertEquals(
          List.of("f32", "f16", "f64", "transposed", "view", "scalar", "count"),
          List.copyOf(sd.names()));
      assertArrayEquals(new long[] {5, 6}, sd.shape("transposed"));
      assertArrayEquals(new long[] {3, 3}, sd.shape("view"));
      assertArrayEquals(new long[] {}, sd.shape("scalar"));
      for (String name : List.of("f32", "f16", "f64", "transposed", "view", "scalar")) {
        assertArrayEquals(expected(name), sd.floats(name), 0f, name); // exact conversions
      }
      assertFalse(sd.isFloatingPoint("count"));
      PthFormatException e = assertThrows(PthFormatException.class, () -> sd.floats("count"));
      assertTrue(e.getMessage().contains("count is INT64"), e.getMessage());
    }
  }

  @Test
  void refusesLegacyFilesPickledModulesAndNestedDicts() throws Exception {
    cases();
    PthFormatException e =
        assertThrows(
            PthFormatException.class, () -> TorchStateDict.open(dir.resolve("legacy.pth")));
    assertTrue(e.getMessage().contains("legacy (pre-1.6"), e.getMessage());
    e =
        assertThrows(
            PthFormatException.class, () -> TorchStateDict.open(dir.resolve("module.pth")));
    assertTrue(e.getMessage().contains("torch.nn.modules.linear.Linear"), e.getMessage());
    assertTrue(e.getMessage().contains("not a plain state dict"), e.getMessage());
    e =
        assertThrows(
            PthFormatException.class, () -> TorchStateDict.open(dir.resolve("nested.pth")));
    assertTrue(e.getMessage().contains("entry model is a dict, not a tensor"), e.getMessage());
  }

  @Test
  void refusesFilesThatAreNotTorchZips() throws Exception {
    Path text = dir.resolve("text.pth");
    Files.writeString(text, "hello, world");
    PthFormatException e = assertThrows(PthFormatException.class, () -> TorchStateDict.open(text));
    assertTrue(e.getMessage().contains("no zip header"), e.getMessage());

    Path noPickle = zip("nopickle.pth", "a/other", new byte[] {1, 2});
    e = assertThrows(PthFormatException.class, () -> TorchStateDict.open(noPickle));
    assertTrue(e.getMessage().contains("without a data.pkl"), e.getMessage());

    // a pickle calling os.system: refused by name, nothing run
    byte[] evil =
        "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000lsq\u0000\u0085R."
            .getBytes(StandardCharsets.ISO_8859_1);
    Path bad = zip("evil.pth", "a/data.pkl", evil);
    e = assertThrows(PthFormatException.class, () -> TorchStateDict.open(bad));
    assertTrue(e.getMessage().contains("refers to os.system at offset 2"), e.getMessage());

    // a truncated pickle
    Path cut = zip("cut.pth", "a/data.pkl", new byte[] {(byte) 0x80, 2, 'X', 100, 0, 0, 0, 'a'});
    e = assertThrows(PthFormatException.class, () -> TorchStateDict.open(cut));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  private Path zip(String name, String entry, byte[] content) throws Exception {
    Path p = dir.resolve(name);
    try (OutputStream o = Files.newOutputStream(p);
        ZipOutputStream z = new ZipOutputStream(o)) {
      z.putNextEntry(new ZipEntry(entry));
      z.write(content);
      z.closeEntry();
    }
    return p;
  }
}
