package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 28, items 6 and 7: a bad label file is reported at its true line, in plain words. */
class LabelFileErrorsTest {
  @TempDir Path tmp;

  /** Lines "k{i}.png,a b" for i < n, then a line holding the byte 0xFF, then two good lines. */
  private Path withBadByteAfter(int n) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < n; i++) {
      b.writeBytes(("k" + i + ".png,caf\u00e9 b\n").getBytes(StandardCharsets.UTF_8));
    }
    b.writeBytes("bad.png,x".getBytes(StandardCharsets.UTF_8));
    b.write(0xFF);
    b.writeBytes("\nz.png,a\nw.png,b\n".getBytes(StandardCharsets.UTF_8));
    return Files.write(tmp.resolve("labels-" + n + ".csv"), b.toByteArray());
  }

  private static long offsetOfFF(Path f) throws IOException {
    byte[] all = Files.readAllBytes(f);
    for (int i = 0; i < all.length; i++) {
      if ((all[i] & 0xFF) == 0xFF) {
        return i;
      }
    }
    throw new AssertionError("no 0xFF");
  }

  @Test
  void aNonUtf8ByteIsReportedAtItsLineAndOffset() throws Exception {
    for (int n : new int[] {2, 20_000}) {
      Path f = withBadByteAfter(n);
      IOException e =
          assertThrows(
              IOException.class,
              () -> LabelFile.load(f, tmp.resolve("m-" + n + ".cmap"), s -> {}, null).close());
      assertEquals(
          f + ": not UTF-8 text at line " + (n + 1) + ", byte offset " + offsetOfFF(f) + " (0xFF)",
          e.getMessage());
    }
  }

  @Test
  void brokenJsonLinesSayColumnAndWhatWasExpectedWithoutLibraryInternals() throws Exception {
    Path f =
        Files.writeString(
            tmp.resolve("labels.jsonl"),
            String.join(
                "\n",
                "{\"key\": \"a.png\", \"labels\": [\"x\"]}",
                "{\"key\": \"b.png\", \"labels\": [\"x\"",
                "{\"key\": \"c.png\" \"labels\": []}",
                "{key: 1}",
                ""));
    List<String> notes = new ArrayList<>();
    try (LabelFile l = LabelFile.load(f, tmp.resolve("m.cmap"), notes::add, null)) {
      assertEquals(3, l.rejectedLines());
    }
    String all = String.join("\n", notes);
    for (String leak : new String[] {"Source", "REDACTED", "StreamReadFeature", "[", "\n at"}) {
      assertFalse(
          notes.stream()
              .filter(n -> n.contains(":2:") || n.contains(":3:") || n.contains(":4:"))
              .anyMatch(n -> n.substring(n.indexOf(": ")).contains(leak)),
          leak + " in: " + all);
    }
    assertTrue(all.contains("labels.jsonl:2: not a JSON object: column"), all);
    assertTrue(all.contains("expected close marker for Array (opened at column"), all);
    assertTrue(
        all.contains("labels.jsonl:3: not a JSON object: column 17: Unexpected character"), all);
    assertTrue(all.contains("was expecting comma"), all);
    assertTrue(all.contains("labels.jsonl:4: not a JSON object: column 2:"), all);
  }
}
