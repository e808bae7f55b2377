/**
 * {@code jcolz bench --compare DIR}: jcolz's loader side by side, in one process on the same
 * images, with the loaders people use today — a per-file ImageIO loader with a label dictionary
 * (the classic ImageFolder approach) and DJL's {@code ImageFolder} ({@link
 * io.jcolz.tools.compare.Candidate} and its implementations). {@link
 * io.jcolz.tools.compare.Comparison} interleaves the candidates round by round and reports medians;
 * {@link io.jcolz.tools.compare.SourceImages} finds the source files a dataset was packed from.
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Cold-cache runs ({@code --cold}) need root to drop the page cache.
 * </ul>
 */
package io.jcolz.tools.compare;
