/**
 * The bounded, shared, off-heap cache of decoded chunks: {@link io.jcolz.loader.cache.ChunkCache}.
 */
package io.jcolz.loader.cache;
