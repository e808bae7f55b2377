/**
 * The packed-image convention ({@link io.jcolz.format.images.PackedImages}): the column names and
 * metadata keys with which a dataset holds an image collection, owned here so that the writer
 * ({@code jcolz pack}) and every reader (loader, training, tools) share one definition.
 */
package io.jcolz.format.images;
