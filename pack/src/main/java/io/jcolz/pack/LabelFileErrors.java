package io.jcolz.pack;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The words {@link LabelFile} uses for what is wrong in a label file: where the first byte that is
 * not UTF-8 is (its line and byte offset, not where a read-ahead buffer happened to be), and what a
 * JSON line lacks (column and what was expected, without the JSON library's internals).
 *
 * <p>Stateless and thread-safe.
 */
final class LabelFileErrors {
  private LabelFileErrors() {}

  /**
   * "line N, byte offset B (0xXX)" of the first byte of {@code file} that is not UTF-8, or "an
   * unknown place" when the file decodes (it changed since).
   */
  static String malformedAt(Path file) throws IOException {
    CharsetDecoder dec =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer bb = ByteBuffer.allocate(1 << 16);
    CharBuffer cb = CharBuffer.allocate(1 << 16);
    long offset = 0;
    long line = 1;
    try (InputStream in = Files.newInputStream(file)) {
      while (true) {
        int n = in.read(bb.array(), bb.position(), bb.remaining());
        if (n > 0) {
          bb.position(bb.position() + n);
        }
        bb.flip();
        int start = bb.position();
        CoderResult cr = dec.decode(bb, cb, n < 0);
        for (int i = start; i < bb.position(); i++) {
          if (bb.get(i) == '\n') {
            line++;
          }
        }
        offset += bb.position() - start;
        if (cr.isError()) {
          return String.format(
              Locale.ROOT,
              "line %d, byte offset %d (0x%02X)",
              line,
              offset,
              bb.hasRemaining() ? bb.get(bb.position()) & 0xFF : 0);
        }
        cb.clear();
        bb.compact();
        if (n < 0) {
          return "an unknown place";
        }
      }
    }
  }

  /** "column C: what was expected", from a JSON parse error, with no library internals. */
  static String json(JsonProcessingException e) {
    String m = e.getOriginalMessage() == null ? "malformed JSON" : e.getOriginalMessage();
    m =
        m.replaceAll(
            "\\s*\\(start marker at \\[Source: .*?; line: \\d+, column: (\\d+)\\]\\)",
            " (opened at column $1)");
    m = m.replaceAll("\\s*(at )?\\[Source: [^\\]]*\\]", "");
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    JsonLocation at = e.getLocation();
    String where = at == null || at.getColumnNr() < 1 ? "" : "column " + at.getColumnNr() + ": ";
    return "not a JSON object: " + where + m.strip();
  }
}
