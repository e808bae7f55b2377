package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pack plan as FORMAT.md §9.3 describes it, checked from the text: the CRC32C tail (every
 * flipped byte and every truncation is refused, a version-1 plan without one still reads), the
 * collection id (MD5 of the plan id's ASCII digits, no namespace), and the listing order (a
 * depth-first walk, names sorted per folder — not the sorted order of the keys).
 */
class PackPlanTest {
  @TempDir Path dir;

  private static PackPlan plan() {
    ListingDigest d = new ListingDigest(2);
    for (String k : List.of("a/x.png", "a-b/y.png", "a.png", "ü/z.png", "zz.png")) {
      d.add(k, 100 + k.length(), 1_700_000_000_000L);
    }
    return PackPlan.of(d, 2, Map.of("size", "32", "mode", "raw"), List.of("cat", "dög"), null, 0);
  }

  @Test
  void aWrittenPlanEndsInItsChecksumAndReadsBack() throws IOException {
    PackPlan p = plan();
    Path f = dir.resolve(PackPlan.FILE);
    p.write(f);
    byte[] b = Files.readAllBytes(f);
    String text = new String(b, StandardCharsets.UTF_8);
    // the last 11 bytes: 8 hex digits, '"', '\n', '}'; the digits are the CRC32C of all before
    String digits = text.substring(text.length() - 11, text.length() - 3);
    assertTrue(text.endsWith("\"\n}"), text);
    assertTrue(text.contains("\"crc32c\" : \"" + digits + "\""), text);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b, 0, b.length - 11);
    assertEquals(String.format("%08x", crc.getValue()), digits);
    assertEquals(p, PackPlan.read(f));
    assertEquals(
        2, new com.fasterxml.jackson.databind.ObjectMapper().readTree(b).get("version").asInt());
  }

  @Test
  void aFlipInEveryByteIsRefused() throws IOException {
    Path f = dir.resolve(PackPlan.FILE);
    plan().write(f);
    byte[] original = Files.readAllBytes(f);
    long seed = 0x5eedL ^ original.length;
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    for (int pos = 0; pos < original.length; pos++) {
      int bit = r.nextInt(8);
      byte[] bad = original.clone();
      bad[pos] ^= (byte) (1 << bit);
      Files.write(f, bad);
      int at = pos;
      PackPlan.DamagedPlanException e =
          assertThrows(
              PackPlan.DamagedPlanException.class,
              () -> PackPlan.read(f),
              () -> "seed " + seed + ": flip of bit " + bit + " at byte " + at);
      assertTrue(e.getMessage().startsWith(f + ": damaged pack plan: "), e.getMessage());
    }
  }

  @Test
  void everyTruncationIsRefused() throws IOException {
    Path f = dir.resolve(PackPlan.FILE);
    plan().write(f);
    byte[] original = Files.readAllBytes(f);
    for (int cut = 1; cut <= original.length; cut += cut < 100 ? 1 : 13) {
      Files.write(f, Arrays.copyOf(original, original.length - cut));
      int c = cut;
      assertThrows(
          PackPlan.DamagedPlanException.class, () -> PackPlan.read(f), () -> "cut " + c + " bytes");
    }
  }

  @Test
  void aVersionOnePlanWithoutChecksumStillReads() throws IOException {
    Path f = dir.resolve(PackPlan.FILE);
    PackPlan p = plan();
    p.write(f);
    // what jcolz wrote before plans had a checksum: version 1, no crc32c member
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(f.toFile());
    root.remove("crc32c");
    root.put("version", 1);
    Files.write(f, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    assertEquals(p, PackPlan.read(f));
    // but a version-2 plan without its checksum is damaged
    root.put("version", 2);
    Files.write(f, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    assertThrows(PackPlan.DamagedPlanException.class, () -> PackPlan.read(f));
  }

  @Test
  void theCollectionIdIsMd5OfThePlanIdWithoutANamespace() throws Exception {
    PackPlan p = plan();
    byte[] md5 =
        MessageDigest.getInstance("MD5").digest(p.planId().getBytes(StandardCharsets.US_ASCII));
    md5[6] = (byte) ((md5[6] & 0x0F) | 0x30);
    md5[8] = (byte) ((md5[8] & 0x3F) | 0x80);
    ByteBuffer bb = ByteBuffer.wrap(md5);
    assertEquals(new UUID(bb.getLong(), bb.getLong()), p.collectionId());
    assertEquals(32, p.planId().length());
    HexFormat.of().parseHex(p.planId());
    assertEquals(3, p.collectionId().version());
  }

  @Test
  void theListingIsADepthFirstWalkWithNamesSortedPerFolder() throws IOException {
    Path in = dir.resolve("in");
    for (String k : List.of("a.png", "a-b/y.png", "a/x.png", "a/b/w.png", "b.png", "B.png")) {
      Path p = in.resolve(k);
      Files.createDirectories(p.getParent());
      Files.write(p, new byte[] {1});
    }
    List<String> keys = new ArrayList<>();
    new SourceWalker(in, null)
        .walk(
            new SourceWalker.Visitor() {
              @Override
              public void image(Path file, String key, List<String> folders) {
                keys.add(key);
              }

              @Override
              public void skip(String shown, SkipReason reason, String detail) {}
            });
    // FORMAT.md §9.3: "a/x.png comes before a-b/y.png, which comes before a.png"
    assertEquals(List.of("B.png", "a/b/w.png", "a/x.png", "a-b/y.png", "a.png", "b.png"), keys);
    List<String> sorted = new ArrayList<>(keys);
    sorted.sort(null);
    assertTrue(!sorted.equals(keys), "the listing order is not the sorted order of the keys");
  }
}
