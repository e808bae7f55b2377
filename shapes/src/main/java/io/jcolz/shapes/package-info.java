/**
 * A generated multi-label image set whose labels are visible ({@link
 * io.jcolz.shapes.ShapesGenerator}: 1–4 of 12 coloured shapes per image), as images in memory
 * ({@code jcolz demo} writes them as image files plus a labels CSV, what {@code jcolz pack} reads)
 * or straight into a raw-mode jcolz dataset ({@link io.jcolz.shapes.ShapesDatasetWriter}, for tests
 * and benchmarks that must not depend on {@code pack}).
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Needs Java2D (works headless).
 *   <li>{@code ShapesDatasetWriter} writes raw mode only.
 * </ul>
 */
package io.jcolz.shapes;
