/**
 * {@code jcolz bench --compare DIR}: jcolz's loader side by side, in one process on the same
 * images, with the loaders people use today — a per-file ImageIO loader with a label dictionary
 * (the classic ImageFolder approach), DJL's {@code ImageFolder} and, when a Python with torch is
 * installed, a PyTorch {@code DataLoader} run by a script shipped in this jar ({@link
 * io.jcolz.tools.compare.Candidate} and its implementations). {@link
 * io.jcolz.tools.compare.Comparison} interleaves the candidates round by round and reports medians;
 * {@link io.jcolz.tools.compare.SourceImages} finds the source files a dataset was packed from.
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Cold-cache runs ({@code --cold}) need root to drop the page cache.
 *   <li>The PyTorch baseline needs {@code python3} with torch and torchvision (else it is skipped
 *       with one line); it starts one Python process per measurement (a few seconds, not timed),
 *       and PIL refuses images over 179 MP, so a folder holding one skips it.
 * </ul>
 */
package io.jcolz.tools.compare;
