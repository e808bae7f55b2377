/**
 * The files on disk and their framing: the common header and footer ({@link
 * io.jcolz.format.store.FileFormat}), column files with their chunk index ({@link
 * io.jcolz.format.store.ColumnFile} reads one mapped into memory, {@link
 * io.jcolz.format.store.ColumnFileWriter} writes one), the manifest ({@link
 * io.jcolz.format.store.Manifest}, {@link io.jcolz.format.store.ManifestFile}), the collection
 * manifest ({@link io.jcolz.format.store.CollectionManifest}, {@link
 * io.jcolz.format.store.CollectionManifestFile}), the directory layout ({@link
 * io.jcolz.format.store.DatasetLayout}), CRC32C over memory segments ({@link
 * io.jcolz.format.store.Checksums}) and dropping mapped pages a streaming reader is done with
 * ({@link io.jcolz.format.store.MappedPages}), and deleting a directory tree ({@link
 * io.jcolz.format.store.FileTrees}). FORMAT.md §1–§4 and §9.1 are the spec.
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Files are mapped whole, so a process needs address space for the dataset and one mapping
 *       per column file ({@code vm.max_map_count}).
 * </ul>
 */
package io.jcolz.format.store;
