package io.jcolz.format.codec;

import java.util.Locale;

/**
 * How a chunk's bytes are compressed on disk. Each chunk is compressed on its own, so any chunk can
 * be read without its neighbours.
 *
 * <p>Thread-safe (an enum).
 */
public enum Codec {
  /** Stored as is: for bytes that are already compressed (JPEG) or tiny columns. */
  NONE(0),
  /** Zstandard (RFC 8878) single frame per chunk, via zstd-jni. */
  ZSTD(1);

  /** The code written in the manifest's column entry ({@code "codec"} holds the name). */
  public final int id;

  Codec(int id) {
    this.id = id;
  }

  /** Lower-case name as written in the manifest. */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a manifest name, or throws IllegalArgumentException naming the accepted values. */
  public static Codec fromJsonName(String name) {
    for (Codec c : values()) {
      if (c.jsonName().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown codec '" + name + "' (expected none or zstd)");
  }
}
