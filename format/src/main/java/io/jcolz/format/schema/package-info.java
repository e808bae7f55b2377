/**
 * What a dataset holds: column types ({@link io.jcolz.format.schema.ColumnType}: fixed-shape uint8
 * tensors, bytes, strings, int32 sets, float32 lists, scalars), each column's spec with its codec,
 * level and chunking ({@link io.jcolz.format.schema.ColumnSpec}), and the schema that orders them
 * and names the key and label columns ({@link io.jcolz.format.schema.Schema}), and the
 * partial-label convention over the label column ({@link io.jcolz.format.schema.PartialLabels}).
 * All immutable. FORMAT.md §3 (column objects), §5 (payloads) and §10.1 (partial labels) are the
 * spec.
 */
package io.jcolz.format.schema;
