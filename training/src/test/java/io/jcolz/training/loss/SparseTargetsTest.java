package io.jcolz.training.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SparseTargetsTest {

  private static NDManager manager;

  @BeforeAll
  static void engine() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Host-built reference: the multi-hot matrix the pairs describe, row-major. */
  private static float[] hostDense(int[] pairs, int rows, int labels) {
    float[] dense = new float[rows * labels];
    for (int k = 0; k < pairs.length; k += 2) {
      dense[pairs[k] * labels + pairs[k + 1]] = 1f;
    }
    return dense;
  }

  private static int[] randomPairs(Random random, int nnz, int rows, int labels) {
    int[] pairs = new int[nnz * 2];
    for (int k = 0; k < nnz; k++) {
      pairs[2 * k] = random.nextInt(rows);
      pairs[2 * k + 1] = random.nextInt(labels);
    }
    return pairs;
  }

  @Test
  void matchesHostReferenceForRandomPairsWithDuplicates() {
    long seed = 42;
    Random random = new Random(seed);
    for (int trial = 0; trial < 30; trial++) {
      int rows = 1 + random.nextInt(64);
      int labels = 1 + random.nextInt(2000);
      int nnz = random.nextInt(rows * 4 + 1);
      int[] pairs = randomPairs(random, nnz, rows, labels);
      float[] expected = hostDense(pairs, rows, labels);
      try (NDManager scope = manager.newSubManager()) {
        NDArray asInt = scope.create(pairs, new Shape(nnz, 2));
        long[] longs = java.util.Arrays.stream(pairs).asLongStream().toArray();
        NDArray asLong = scope.create(longs, new Shape(nnz, 2));
        for (NDArray p : new NDArray[] {asInt, asLong}) {
          NDArray dense = SparseTargets.toDense(scope, p, rows, labels);
          String what = "seed=" + seed + " trial=" + trial + " " + p.getDataType();
          assertEquals(new Shape(rows, labels), dense.getShape(), what);
          assertEquals(DataType.FLOAT32, dense.getDataType(), what);
          assertEquals(scope.getDevice(), dense.getDevice(), what);
          assertArrayEquals(expected, dense.toFloatArray(), what);
        }
      }
    }
  }

  @Test
  void followsThePredictionsShapeTypeAndManager() {
    try (NDManager scope = manager.newSubManager()) {
      NDArray prediction = scope.zeros(new Shape(3, 4), DataType.FLOAT64);
      int[] pairs = {0, 3, 2, 0, 2, 1};
      NDArray dense = SparseTargets.toDense(scope.create(pairs, new Shape(3, 2)), prediction);
      assertEquals(DataType.FLOAT64, dense.getDataType());
      assertEquals(new Shape(3, 4), dense.getShape());
      assertEquals(scope, dense.getManager());
      double[] expected = {0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0};
      assertArrayEquals(expected, dense.toDoubleArray());
    }
  }

  @Test
  void noPairsGivesAllZeros() {
    NDArray dense =
        SparseTargets.toDense(manager, manager.create(new int[0], new Shape(0, 2)), 2, 5);
    assertArrayEquals(new float[10], dense.toFloatArray());
  }

  @Test
  void outOfRangeAndNegativeIndicesAreRejectedBeforeThePut() {
    int[][] bad = {{2, 0}, {-1, 0}, {0, 5}, {0, -1}};
    for (int[] pair : bad) {
      NDArray pairs = manager.create(new int[] {0, 0, pair[0], pair[1]}, new Shape(2, 2));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> SparseTargets.toDense(manager, pairs, 2, 5));
      assertTrue(
          e.getMessage().contains("out of range") && e.getMessage().contains("vs expected"),
          e.getMessage());
    }
  }

  @Test
  void wrongShapesAndTypesAreRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SparseTargets.toDense(
                manager, manager.create(new int[] {0, 1, 2}, new Shape(1, 3)), 2, 5));
    assertThrows(
        IllegalArgumentException.class,
        () -> SparseTargets.toDense(manager, manager.create(new int[] {0, 1}, new Shape(2)), 2, 5));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SparseTargets.toDense(
                manager, manager.create(new float[] {0, 1}, new Shape(1, 2)), 2, 5));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SparseTargets.toDense(
                manager, manager.create(new int[] {0, 1}, new Shape(1, 2)), 0, 5));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SparseTargets.toDense(
                manager, manager.create(new int[] {0, 1}, new Shape(1, 2)), 2, 5, DataType.INT32));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SparseTargets.toDense(
                manager.create(new int[] {0, 1}, new Shape(1, 2)), manager.zeros(new Shape(4))));
  }
}
