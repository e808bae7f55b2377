/**
 * Packing a jcolz collection on an Apache Spark cluster: {@link io.jcolz.spark.PackJob} lists the
 * input and reads the label file through Hadoop's FileSystem API, computes the same {@link
 * io.jcolz.pack.PackPlan} as {@code jcolz pack}, runs one Spark task per part ({@link
 * io.jcolz.spark.PartTask}, which calls the packer library) and commits the collection manifest on
 * the driver, on a shared mount or on any Hadoop file system.
 *
 * <p>Limitations: on a non-local output nothing locks out a second job packing to the same output;
 * on S3A renames are copies (not atomic); the local shortcut holds {@code jcolz pack}'s lock only
 * while the driver commits.
 */
package io.jcolz.spark;
