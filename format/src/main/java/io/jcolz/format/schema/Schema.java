package io.jcolz.format.schema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The columns of a dataset, which string column (if any) holds the unique sample keys indexed in
 * the key index, and which int32-set column (if any) holds indices into the dataset's label
 * vocabulary.
 *
 * <p>Immutable and thread-safe. Build with {@link #builder()}.
 */
public final class Schema {
  private final List<ColumnSpec> columns;
  private final Map<String, Integer> byName;
  private final String keyColumn;
  private final String labelColumn;

  private Schema(List<ColumnSpec> columns, String keyColumn, String labelColumn) {
    this.columns = List.copyOf(columns);
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      if (m.put(columns.get(i).name(), i) != null) {
        throw new IllegalArgumentException("duplicate column name '" + columns.get(i).name() + "'");
      }
    }
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("a schema needs at least one column");
    }
    this.byName = Collections.unmodifiableMap(m);
    this.keyColumn = keyColumn;
    this.labelColumn = labelColumn;
    if (keyColumn != null && column(keyColumn).type() != ColumnType.STRING) {
      throw new IllegalArgumentException("key column '" + keyColumn + "' must be a string column");
    }
    if (labelColumn != null && column(labelColumn).type() != ColumnType.INT32_SET) {
      throw new IllegalArgumentException(
          "label column '" + labelColumn + "' must be an int32_set column");
    }
    PartialLabels.checkSchema(this);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Columns in file order. */
  public List<ColumnSpec> columns() {
    return columns;
  }

  /** Number of columns. */
  public int size() {
    return columns.size();
  }

  /** Index of a column by name, or -1. */
  public int indexOf(String name) {
    Integer i = byName.get(name);
    return i == null ? -1 : i;
  }

  /** A column by name; IllegalArgumentException naming the known columns when absent. */
  public ColumnSpec column(String name) {
    Integer i = byName.get(name);
    if (i == null) {
      throw new IllegalArgumentException(
          "no column '" + name + "' (columns: " + byName.keySet() + ")");
    }
    return columns.get(i);
  }

  /** The string column whose values are unique keys indexed by the key index. */
  public Optional<String> keyColumn() {
    return Optional.ofNullable(keyColumn);
  }

  /** The int32-set column whose values index the label vocabulary. */
  public Optional<String> labelColumn() {
    return Optional.ofNullable(labelColumn);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Schema s
        && columns.equals(s.columns)
        && java.util.Objects.equals(keyColumn, s.keyColumn)
        && java.util.Objects.equals(labelColumn, s.labelColumn);
  }

  @Override
  public int hashCode() {
    return columns.hashCode() * 31 + java.util.Objects.hash(keyColumn, labelColumn);
  }

  @Override
  public String toString() {
    return "Schema"
        + columns
        + (keyColumn == null ? "" : " key=" + keyColumn)
        + (labelColumn == null ? "" : " labels=" + labelColumn);
  }

  /** Builds a {@link Schema}. Not thread-safe. */
  public static final class Builder {
    private final List<ColumnSpec> columns = new ArrayList<>();
    private String keyColumn;
    private String labelColumn;

    private Builder() {}

    /** Adds a column. */
    public Builder column(ColumnSpec spec) {
      columns.add(spec);
      return this;
    }

    /** Names the string column holding unique keys; a key index is built for it. */
    public Builder keyColumn(String name) {
      this.keyColumn = name;
      return this;
    }

    /** Names the int32-set column whose values index the label vocabulary. */
    public Builder labelColumn(String name) {
      this.labelColumn = name;
      return this;
    }

    /** Validates and builds. */
    public Schema build() {
      return new Schema(columns, keyColumn, labelColumn);
    }
  }
}
