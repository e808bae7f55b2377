package io.jcolz.loader.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.CorruptDatasetException;
import io.jcolz.loader.order.RunPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeliveryTest {
  @Test
  void roundRobinNumbersEachDevicesBatchesInOrder() {
    for (int devices = 1; devices <= 5; devices++) {
      for (long n = 1; n <= 9; n++) {
        for (long start = 0; start < n; start++) {
          RoundRobin rr = new RoundRobin(new RunPlan(0, start, 3, n), devices);
          long[] next = new long[devices];
          for (long g = 0; g < rr.plan().totalBatches(); g++) {
            int d = rr.device(g);
            assertEquals(rr.plan().indexOf(g) % devices, d);
            assertEquals(
                next[d]++,
                rr.sequence(g),
                "devices=" + devices + " n=" + n + " start=" + start + " g=" + g);
          }
          for (int d = 0; d < devices; d++) {
            assertEquals(next[d], rr.total(d), "total of device " + d);
          }
        }
      }
    }
  }

  @Test
  void outOfOrderPutsComeOutInOrderWithinTheWindow() throws Exception {
    DeviceQueue<Integer> q = new DeviceQueue<>(0, 3, 6);
    assertTrue(q.put(2, 2));
    assertTrue(q.put(0, 0));
    assertTrue(q.put(1, 1));
    CountDownLatch started = new CountDownLatch(1);
    List<Throwable> errors = new ArrayList<>();
    Thread producer =
        new Thread(
            () -> {
              try {
                started.countDown();
                q.put(3, 3); // waits: window is [0, 3) until one item is released
                q.put(5, 5);
                q.put(4, 4);
              } catch (Throwable t) {
                errors.add(t);
              }
            });
    producer.start();
    started.await();
    for (int i = 0; i < 6; i++) {
      assertEquals(i, q.take());
      q.released();
    }
    assertNull(q.take());
    producer.join();
    assertTrue(errors.isEmpty(), errors.toString());
  }

  @Test
  void holdingTooManyIsAnErrorNotAHang() throws Exception {
    DeviceQueue<Integer> q = new DeviceQueue<>(0, 2, 5);
    q.put(0, 0);
    q.put(1, 1);
    q.take();
    q.take();
    assertThrows(IllegalStateException.class, q::take);
  }

  @Test
  void failuresKeepTheirKindAndCause() throws Exception {
    DeviceQueue<Integer> q = new DeviceQueue<>(0, 2, 5);
    CorruptDatasetException cause =
        new CorruptDatasetException("x.col: column 'image', chunk 3 at offset 9: bad");
    q.fail(cause, "worker w1, epoch 0 batch 2");
    CorruptDatasetException e = assertThrows(CorruptDatasetException.class, q::take);
    assertSame(cause, e.getCause());
    assertTrue(
        e.getMessage().contains("chunk 3") && e.getMessage().contains("batch 2"), e.getMessage());
    DeviceQueue<Integer> q2 = new DeviceQueue<>(0, 2, 5);
    q2.fail(new ArithmeticException("boom"), "ctx");
    assertInstanceOf(
        ArithmeticException.class, assertThrows(WorkerException.class, q2::take).getCause());
    DeviceQueue<Integer> q3 = new DeviceQueue<>(0, 2, 5);
    q3.fail(new IOException("io"), "ctx");
    assertEquals(IOException.class, assertThrows(IOException.class, q3::take).getClass());
  }

  @Test
  void shutdownWakesProducersAndConsumers() throws Exception {
    DeviceQueue<Integer> q = new DeviceQueue<>(0, 1, 5);
    q.put(0, 0);
    boolean[] result = {true};
    Thread producer =
        new Thread(
            () -> {
              try {
                result[0] = q.put(1, 1);
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
            });
    producer.start();
    DeviceQueue<Integer> empty = new DeviceQueue<>(1, 1, 5);
    Throwable[] consumerSaw = new Throwable[1];
    Thread consumer =
        new Thread(
            () -> {
              try {
                empty.take();
              } catch (Throwable t) {
                consumerSaw[0] = t;
              }
            });
    consumer.start();
    Thread.sleep(50);
    q.shutdown();
    empty.shutdown();
    producer.join(TimeUnit.SECONDS.toMillis(10));
    consumer.join(TimeUnit.SECONDS.toMillis(10));
    assertFalse(producer.isAlive() || consumer.isAlive());
    assertFalse(result[0]);
    assertInstanceOf(IllegalStateException.class, consumerSaw[0]);
    assertEquals(1, q.drain().size());
  }
}
