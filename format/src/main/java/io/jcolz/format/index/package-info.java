/**
 * The key index: a persisted Chronicle Map from each row's key to its row ({@link
 * io.jcolz.format.index.KeyIndexWriter} builds it, {@link io.jcolz.format.index.KeyIndex} looks
 * keys up after checking the file's size and CRC32C against the manifest), and what Chronicle needs
 * from the JVM ({@link io.jcolz.format.index.ChronicleSupport}: the flags, analytics off).
 * FORMAT.md §6 is the spec.
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Chronicle Map maps the file read-write for its lock words: the key index needs a writable
 *       file system, and the JVM flags named in {@link
 *       io.jcolz.format.index.ChronicleSupport#REQUIRED_FLAGS}.
 *   <li>Its layout is Chronicle's own; readers in other languages rebuild an index from the key
 *       column instead.
 * </ul>
 */
package io.jcolz.format.index;
