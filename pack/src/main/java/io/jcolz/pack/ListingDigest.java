package io.jcolz.pack;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The digest of an input listing, fed one image at a time in listing order: SHA-256 over, per
 * image, its key in UTF-8, a NUL byte, its size in bytes and its modification time in milliseconds
 * since the epoch (both decimal ASCII, separated by a NUL), and a newline. It also records the
 * first and last key of every part of {@code partRows} images.
 *
 * <p>Whoever lists the input (the CLI walking a folder, a Spark driver listing a Hadoop file
 * system) computes the same digest for the same files. Not thread-safe.
 */
public final class ListingDigest {
  private final MessageDigest md;
  private final int partRows;
  private final List<String[]> bounds = new ArrayList<>();
  private long count;

  /** A digest for parts of {@code partRows} images. */
  public ListingDigest(int partRows) {
    try {
      this.md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    this.partRows = partRows;
  }

  /** Adds the next image of the listing. */
  public void add(String key, long size, long modifiedMillis) {
    md.update(key.getBytes(StandardCharsets.UTF_8));
    md.update(("\0" + size + "\0" + modifiedMillis + "\n").getBytes(StandardCharsets.US_ASCII));
    if (count % partRows == 0) {
      bounds.add(new String[] {key, key});
    } else {
      bounds.get(bounds.size() - 1)[1] = key;
    }
    count++;
  }

  /** Images added. */
  public long count() {
    return count;
  }

  /** Per part, its first and last key. */
  List<String[]> partBounds() {
    return bounds;
  }

  private String hex;

  /** The digest, hex (ends the feeding). */
  public String digest() {
    if (hex == null) {
      hex = HexFormat.of().formatHex(md.digest());
    }
    return hex;
  }
}
