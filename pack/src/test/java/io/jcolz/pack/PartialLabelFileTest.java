package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The label-file forms of partial, soft labels ({@link LabelFile}): confidences and verified
 * negatives in CSV tokens and JSON objects, Open Images rows, and the one line each bad line gets.
 */
class PartialLabelFileTest {
  @TempDir Path tmp;
  final List<String> problems = new ArrayList<>();

  private LabelFile load(String name, String text, LabelFormat format) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, text);
    return LabelFile.load(f, format, tmp.resolve(name + ".cmap"), problems::add, null);
  }

  @Test
  void csvTokensGiveConfidencesAndVerifiedNegatives() throws Exception {
    try (LabelFile lf =
        load(
            "l.csv",
            "key,labels\na.png,dog:0.7 cat -car\nb.png,tree:0 sky:1\n",
            LabelFormat.AUTO)) {
      assertEquals(List.of("car", "cat", "dog", "sky", "tree"), lf.vocabulary());
      assertTrue(lf.hasConfidences());
      assertTrue(lf.hasNegatives());
      LabelSource.Lookup a = lf.labels("a.png", List.of());
      assertArrayEquals(new int[] {1, 2}, a.indices()); // cat, dog: sorted by index
      assertArrayEquals(new float[] {1f, 0.7f}, a.confidences());
      assertArrayEquals(new int[] {0}, a.negatives());
      LabelSource.Lookup b = lf.labels("b.png", List.of());
      assertArrayEquals(new int[] {3}, b.indices());
      assertNull(b.confidences(), "all 1: no confidences");
      assertArrayEquals(new int[] {4}, b.negatives(), "tree:0 is a verified negative");
      assertEquals(List.of(), problems);
    }
  }

  @Test
  void plainNamesAndConfidenceOneNeedNoPartialColumns() throws Exception {
    try (LabelFile lf = load("l.csv", "a.png,dog cat:1\nb.png,cat\n", LabelFormat.AUTO)) {
      assertFalse(lf.hasConfidences());
      assertFalse(lf.hasNegatives());
      LabelSource.Lookup a = lf.labels("a.png", List.of());
      assertArrayEquals(new int[] {0, 1}, a.indices());
      assertNull(a.confidences());
      assertEquals(0, a.negatives().length);
    }
  }

  @Test
  void jsonObjectsGiveConfidencesAndArraysStayNames() throws Exception {
    try (LabelFile lf =
        load(
            "l.jsonl",
            "{\"key\": \"a.png\", \"labels\": {\"cat\": 1, \"dog\": 0.7, \"car\": 0}}\n"
                + "{\"key\": \"b.png\", \"labels\": [\"-odd:name\"]}\n",
            LabelFormat.AUTO)) {
      assertEquals(List.of("-odd:name", "car", "cat", "dog"), lf.vocabulary());
      LabelSource.Lookup a = lf.labels("a.png", List.of());
      assertArrayEquals(new int[] {2, 3}, a.indices());
      assertArrayEquals(new float[] {1f, 0.7f}, a.confidences());
      assertArrayEquals(new int[] {1}, a.negatives());
      assertArrayEquals(new int[] {0}, lf.labels("b.png", List.of()).indices());
    }
  }

  @Test
  void badConfidencesAndContradictionsRejectTheLineNamingFileAndLine() throws Exception {
    String text =
        "ok.png,cat\n"
            + "a.png,cat:1.5\n"
            + "b.png,cat:NaN\n"
            + "c.png,cat -cat\n"
            + "d.png,cat:-0.1\n"
            + "e.png,-cat:0.5\n"
            + "f.png,:0.5\n"
            + "ok.png,-cat\n";
    try (LabelFile lf = load("bad.csv", text, LabelFormat.CSV)) {
      Path f = tmp.resolve("bad.csv");
      assertEquals(7, lf.rejectedLines(), problems.toString());
      assertEquals(
          List.of(
              f + ":2: label cat: confidence 1.5 is not in [0, 1]",
              f + ":3: label cat: confidence 'NaN' is not a number in [0, 1]",
              f + ":4: label cat is both a positive and a verified negative in this line",
              f + ":5: label cat: confidence '-0.1' is not a number in [0, 1]",
              f + ":6: '-cat:0.5': a verified negative (-name) takes no confidence",
              f + ":7: ':0.5' has no label name",
              f
                  + ":8: label cat is a verified negative here and a positive on line 1 (key"
                  + " ok.png); the line is rejected"),
          problems);
      assertArrayEquals(new int[] {0}, lf.labels("ok.png", List.of()).indices());
      assertNull(lf.labels("a.png", List.of()), "a rejected line gives its key nothing");
    }
    problems.clear();
    try (LabelFile lf =
        load("bad.jsonl", "{\"key\": \"a\", \"labels\": {\"cat\": 2}}\n", LabelFormat.AUTO)) {
      assertEquals(1, lf.rejectedLines());
      assertEquals(
          List.of(tmp.resolve("bad.jsonl") + ":1: label cat: confidence 2 is not in [0, 1]"),
          problems);
    }
  }

  @Test
  void openImagesRowsMergePerImageAndHumanRowsWinOverMachineRows() throws Exception {
    String text =
        "ImageID,Source,LabelName,Confidence\n"
            + "0001,verification,/m/cat,1\n"
            + "0001,verification,/m/dog,0\n"
            + "0001,machine,/m/car,0.6\n"
            + "0002,machine,/m/cat,0.8\n"
            + "0002,crowdsource-verification,/m/cat,0\n"
            + "0001,machine,/m/cat,0.9\n"
            + "0003,verification,/m/cat,1\n"
            + "0003,verification,/m/cat,1\n"
            + "0003,verification,/m/cat,0\n"
            + "0004,verification,/m/cat,2\n";
    try (LabelFile lf = load("oi.csv", text, LabelFormat.OPENIMAGES)) {
      assertEquals(List.of("/m/car", "/m/cat", "/m/dog"), lf.vocabulary());
      LabelSource.Lookup one = lf.labels("train/0001.jpg", List.of());
      assertArrayEquals(new int[] {0, 1}, one.indices());
      assertArrayEquals(new float[] {0.6f, 1f}, one.confidences());
      assertArrayEquals(new int[] {2}, one.negatives());
      LabelSource.Lookup two = lf.labels("0002.jpg", List.of());
      assertArrayEquals(new int[0], two.indices(), "the human negative beats the machine 0.8");
      assertArrayEquals(new int[] {1}, two.negatives());
      assertArrayEquals(new int[] {1}, lf.labels("x/0003.png", List.of()).indices());
      assertEquals(2, lf.rejectedLines(), problems.toString());
      Path f = tmp.resolve("oi.csv");
      assertTrue(
          problems.contains(
              f
                  + ":10: label /m/cat is a verified negative here and a positive on line 8 (key"
                  + " 0003); the row is rejected"),
          problems.toString());
      assertTrue(
          problems.contains(f + ":11: label /m/cat: confidence 2 is not in [0, 1]"),
          problems.toString());
      assertTrue(
          problems.stream().anyMatch(p -> p.contains("2 machine-generated row(s)")),
          problems.toString());
      assertEquals(
          0, lf.unmatched(5).count(), "0004's only row was rejected; 0001-0003 were asked");
    }
  }

  @Test
  void anOpenImagesFileWithoutItsHeaderIsRefused() throws Exception {
    IOException e =
        assertThrows(
            IOException.class,
            () -> load("oi.csv", "0001,verification,/m/cat,1\n", LabelFormat.OPENIMAGES));
    assertEquals(
        tmp.resolve("oi.csv")
            + ":1: --labels-format openimages needs the header"
            + " ImageID,Source,LabelName,Confidence (no column ImageID), found:"
            + " 0001,verification,/m/cat,1",
        e.getMessage());
  }

  @Test
  void shippedLabelsReadBackTheSameLookup() throws Exception {
    try (LabelFile lf = load("l.csv", "a.png,dog:0.7 cat -car x:0.25\n", LabelFormat.AUTO)) {
      LabelSource.Lookup a = lf.labels("a.png", List.of());
      LabelSource.Lookup back =
          LabelSource.Lookup.ofShipped(
              a.shipped(lf.vocabulary()), LabelSource.indexOf(lf.vocabulary()));
      assertArrayEquals(a.indices(), back.indices());
      assertArrayEquals(a.confidences(), back.confidences());
      assertArrayEquals(a.negatives(), back.negatives());
    }
  }
}
