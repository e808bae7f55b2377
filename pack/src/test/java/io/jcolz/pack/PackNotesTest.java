package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packer's helpers that the CLI tests cannot reach (package-private). */
class PackNotesTest {
  @Test
  void droppedFolderLabelsAreExplainedWithAnExample() {
    Path in = Path.of("/data/in");
    PackOptions dirs =
        PackOptions.builder(in, Path.of("/data/x.jcolz")).labelsFromDirs(true).build();
    String note = PackSummary.droppedNote(dirs, 2, List.of("new"));
    assertTrue(
        note.startsWith(
                "2 label occurrence(s) name folders that did not exist when the pack listed " + in)
            && note.endsWith("were dropped, e.g. new")
            && !note.contains("null"),
        note);
  }

  @Test
  void labelFileFieldsAndKeys() {
    assertEquals(List.of("a b", "c,\"d\"", ""), LabelFile.fields("\"a b\",\"c,\"\"d\"\"\",", ','));
    assertEquals("x/y.png", LabelFile.normalizeKey(" ./x\\y.png "));
  }
}
