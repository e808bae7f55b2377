/**
 * Packing a jcolz collection on an Apache Spark cluster: {@link io.jcolz.spark.PackJob} lists the
 * input through Hadoop's FileSystem API, computes the same {@link io.jcolz.pack.PackPlan} as {@code
 * jcolz pack}, runs one Spark task per part ({@link io.jcolz.spark.PartTask}, which calls the
 * packer library) and commits the collection manifest on the driver.
 */
package io.jcolz.spark;
