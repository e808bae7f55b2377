/**
 * Packing a jcolz collection on an Apache Spark cluster: {@link io.jcolz.spark.PackJob} lists the
 * input and reads the label file through Hadoop's FileSystem API, computes the same {@link
 * io.jcolz.pack.PackPlan} as {@code jcolz pack}, runs one Spark task per part ({@link
 * io.jcolz.spark.PartTask}, which calls the packer library) and commits the collection manifest on
 * the driver, on a shared mount or on any Hadoop file system. Only the Spark and Hadoop parts live
 * here: the listing of a Hadoop folder ({@link io.jcolz.spark.HadoopListing}, an {@link
 * io.jcolz.pack.InputListing}), the output on a Hadoop file system ({@link
 * io.jcolz.spark.HadoopTarget}, a {@link io.jcolz.pack.PackTarget}), the tasks and the Parquet
 * label table; the checks, the commit, the notes and the flags ({@link io.jcolz.pack.PackFlags})
 * are the packer library's.
 *
 * <p>Limitations: on a non-local output nothing locks out a second job packing to the same output;
 * on S3A renames are copies (not atomic). A local output is locked with {@code jcolz pack}'s lock
 * for the whole job.
 */
package io.jcolz.spark;
