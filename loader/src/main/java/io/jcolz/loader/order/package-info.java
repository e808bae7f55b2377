/**
 * Which rows an epoch visits, in which order, on which rank — all pure functions of (dataset chunk
 * layout, seed, epoch, rank, world, batch size), evaluated point by point so resuming needs only
 * (epoch, batch index). See {@link io.jcolz.loader.order.Order}, {@link
 * io.jcolz.loader.order.Permutation} (O(1)-memory keyed permutation), {@link
 * io.jcolz.loader.order.Shard} and {@link io.jcolz.loader.order.RunPlan}.
 *
 * <p>Memory at 12 M rows: SEQUENTIAL and RANDOM O(1); QUASI_RANDOM 12 bytes per chunk per cached
 * epoch (the loader keeps at most 3): 5.5 MB for 460 K chunks of 27 rows, whatever the rank.
 */
package io.jcolz.loader.order;
