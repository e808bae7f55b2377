/**
 * What a dataset holds: column types ({@link io.jcolz.format.schema.ColumnType}: fixed-shape uint8
 * tensors, bytes, strings, int32 sets, scalars), each column's spec with its codec, level and
 * chunking ({@link io.jcolz.format.schema.ColumnSpec}), and the schema that orders them and names
 * the key and label columns ({@link io.jcolz.format.schema.Schema}). All immutable. FORMAT.md §3
 * (column objects) and §5 (payloads) are the spec.
 */
package io.jcolz.format.schema;
