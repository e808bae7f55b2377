package io.jcolz.format.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileTrees#deleteRecursively}: whole trees, single files, absent paths, links. */
class FileTreesTest {
  @TempDir Path tmp;

  @Test
  void deletesANestedTreeDeepestFirst() throws Exception {
    Path root = tmp.resolve("root");
    Path deep = Files.createDirectories(root.resolve("a/b/c/d"));
    Files.writeString(deep.resolve("f.bin"), "x");
    Files.writeString(root.resolve("a/g.txt"), "y");
    Files.createDirectories(root.resolve("empty"));
    Files.writeString(tmp.resolve("sibling"), "stays");
    FileTrees.deleteRecursively(root);
    assertFalse(Files.exists(root));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(tmp.resolve("sibling")), s.toList());
    }
  }

  @Test
  void deletesASingleFileAndIgnoresAnAbsentPath() throws Exception {
    Path f = Files.writeString(tmp.resolve("f"), "x");
    FileTrees.deleteRecursively(f);
    assertFalse(Files.exists(f));
    FileTrees.deleteRecursively(f); // absent: nothing to do, no exception
    FileTrees.deleteRecursively(tmp.resolve("never/was"));
    assertTrue(Files.isDirectory(tmp));
  }

  @Test
  void linksAreDeletedNotFollowed() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Path kept = Files.writeString(outside.resolve("precious"), "keep me");
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.createSymbolicLink(root.resolve("to-dir"), outside);
    Files.createSymbolicLink(root.resolve("to-file"), kept);
    Files.createSymbolicLink(root.resolve("dangling"), tmp.resolve("nothing"));
    FileTrees.deleteRecursively(root);
    assertFalse(Files.exists(root, LinkOption.NOFOLLOW_LINKS));
    assertEquals("keep me", Files.readString(kept));

    // the path itself a link to a directory: the link goes, the directory stays
    Path link = Files.createSymbolicLink(tmp.resolve("link"), outside);
    FileTrees.deleteRecursively(link);
    assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
    assertEquals("keep me", Files.readString(kept));
  }
}
