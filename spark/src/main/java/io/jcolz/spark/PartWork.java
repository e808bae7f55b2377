package io.jcolz.spark;

import java.io.Serializable;
import java.util.List;

/**
 * The work of one Spark task: one part of the plan and its images, in listing order. Immutable.
 *
 * @param position the part's position in the plan's part list
 * @param keys the images' keys
 * @param uris the images' Hadoop URIs (same order)
 * @param folders per image, the folders on its path (labels with {@code --labels-from-dirs})
 * @param labels with {@code --labels FILE}: per image, its labels as the driver looked them up
 *     (names, with a confidence for a soft positive or a verified negative: {@link
 *     io.jcolz.pack.LabelSource.Lookup#shipped}) in the file (an element is null when the file has
 *     no line for the image); else null
 */
public record PartWork(
    int position,
    List<String> keys,
    List<String> uris,
    List<List<String>> folders,
    List<List<String>> labels)
    implements Serializable {}
