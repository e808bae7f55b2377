package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One pack at a time per output, even while lock files are deleted and re-created. */
class PackLockTest {
  @TempDir Path tmp;

  @Test
  void aSecondLockOnTheSameOutputIsRefusedAndTheFileGoesWithTheLastHolder() throws Exception {
    Path out = tmp.resolve("ds.jcolz");
    Path f = PackLock.lockFile(out);
    try (PackLock a = PackLock.acquire(out)) {
      IOException e = assertThrows(IOException.class, () -> PackLock.acquire(out));
      assertTrue(e.getMessage().contains("another jcolz pack is writing"), e.getMessage());
      assertTrue(Files.exists(f));
    }
    assertFalse(Files.exists(f), "removed by its holder");
    try (PackLock again = PackLock.acquire(out)) {
      assertTrue(Files.exists(f), "free again once released");
    }
  }

  /**
   * The race: B opens the lock file while A holds it; A deletes it and releases; C creates a new
   * one and locks it; B then locks the deleted file. B must see that it holds a deleted file, try
   * the current one and find C holding it.
   */
  @Test
  void aLockTakenOnADeletedLockFileIsNotHeld() throws Exception {
    Path out = tmp.resolve("ds.jcolz");
    Path f = PackLock.lockFile(out);
    PackLock a = PackLock.acquire(out);
    FileChannel b = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    a.close();
    try (PackLock c = PackLock.acquire(out)) {
      assertNull(PackLock.lockOpened(out, f, b), "B locked the file A deleted: not the lock");
      assertFalse(b.isOpen());
      IOException e =
          assertThrows(IOException.class, () -> PackLock.acquire(out), "C holds the current file");
      assertTrue(e.getMessage().contains("another jcolz pack is writing"), e.getMessage());
    }
    assertFalse(Files.exists(f));
  }

  @Test
  void aStaleLockFileLeftByACrashIsTakenOver() throws Exception {
    Path out = tmp.resolve("ds.jcolz");
    Path f = PackLock.lockFile(out);
    Files.writeString(f, "12345 left by a killed pack\n");
    try (PackLock l = PackLock.acquire(out)) {
      assertFalse(
          Files.readString(f).contains("killed"), "overwritten with the new holder's token");
    }
    assertFalse(Files.exists(f));
  }
}
