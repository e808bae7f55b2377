package io.jcolz.tools;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.order.Order;
import io.jcolz.training.data.BatchArrays;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.model.TorchvisionImport;
import io.jcolz.training.model.TorchvisionResNet;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz embed DS (--checkpoint DIR | --init FILE --model M) --out FILE}: every row's pooled
 * features — the input of the last layer, 512 floats for ResNet-18/34, 2048 for 50/101 — as a NumPy
 * {@code .npy} file of float32 {@code [rows, D]} (format 1.0, little-endian, C order), and the
 * rows' keys in row order, one a line, in {@code FILE.keys.txt} ({@code #ROW} for a dataset without
 * a key column). Images go through the same device-side ImageNet normalisation as training, the
 * network runs in inference mode. Rows stream through the loader in row order and are written as
 * each batch finishes: memory is bounded by the loader's batches, whatever the row count. With
 * {@code --json} the last stdout line is {@code {"rows":…,"dim":…,"out":…,"keys":…,"seconds":…}}.
 * Exit codes: 0; 1 unreadable dataset, checkpoint or state dict (named on one line), image-size
 * mismatch; 2 usage (both or neither of --checkpoint and --init, --init without --model). Not
 * thread-safe.
 */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description =
        "Write every row's pooled ResNet features (the last layer's input) as .npy float32 [rows, D] plus keys.")
public final class EmbedCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DS", description = "dataset directory")
  Path dataset;

  @Option(names = "--checkpoint", paramLabel = "DIR", description = "a jcolz checkpoint")
  Path checkpoint;

  @Option(names = "--init", paramLabel = "FILE", description = "a torchvision state dict (.pth)")
  Path init;

  @Option(names = "--model", description = "with --init: resnet18, resnet34, resnet50 or resnet101")
  String model;

  @Option(names = "--out", paramLabel = "FILE", required = true, description = "the .npy to write")
  Path out;

  @Mixin InferenceOptions run = new InferenceOptions();

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if ((checkpoint == null) == (init == null)) {
      throw new Main.UsageException("give one of --checkpoint DIR and --init FILE");
    }
    if (init != null && model == null) {
      throw new Main.UsageException(
          "--init needs --model (resnet18, resnet34, resnet50, resnet101)");
    }
    if (checkpoint != null && model != null) {
      throw new Main.UsageException("--model goes with --init; a checkpoint names its model");
    }
    Device device = run.validate();
    long t0 = System.nanoTime();
    try (Dataset ds = Dataset.open(dataset)) {
      int[] hw = BatchArrays.imageSize(ds);
      if (model != null) {
        try {
          ResNetSpec.of(model, hw[0], hw[1], 1);
        } catch (IllegalArgumentException e) {
          throw new Main.UsageException("--model: " + e.getMessage());
        }
      }
      try (Model m =
          checkpoint != null
              ? ModelSupport.checkpointFor(checkpoint, ds, false).model(device)
              : TorchvisionImport.load(
                  init, ResNetSpec.of(model, hw[0], hw[1], 1), device, 0.5f, false)) {
        TorchvisionResNet net = (TorchvisionResNet) m.getBlock();
        long rows = write(ds, net, m.getNDManager(), device);
        double seconds = (System.nanoTime() - t0) / 1e9;
        PrintWriter o = spec.commandLine().getOut();
        if (json.on()) {
          ObjectNode j = CliSupport.object();
          j.put("rows", rows);
          j.put("dim", net.featureSize());
          j.put("out", out.toString());
          j.put("keys", keysFile(out).toString());
          j.put("seconds", seconds);
          CliSupport.printJson(o, j);
        } else {
          o.printf(
              Locale.ROOT,
              "%d rows × %d features (%s) → %s, keys → %s, %.1f s%n",
              rows,
              net.featureSize(),
              net.spec().name(),
              out,
              keysFile(out),
              seconds);
        }
      }
    }
    return Main.OK;
  }

  /** {@code FILE.keys.txt}. */
  static Path keysFile(Path npy) {
    return npy.resolveSibling(npy.getFileName() + ".keys.txt");
  }

  /** The .npy 1.0 header of float32 {@code [rows, dim]}, padded to 64 bytes. */
  static byte[] npyHeader(long rows, int dim) {
    String dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + dim + "), }";
    int unpadded = 10 + dict.length() + 1;
    int total = (unpadded + 63) / 64 * 64;
    String header = dict + " ".repeat(total - unpadded) + "\n";
    ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.US_ASCII));
    return b.array();
  }

  private long write(Dataset ds, TorchvisionResNet net, NDManager manager, Device device)
      throws IOException, InterruptedException {
    int dim = net.featureSize();
    long rows = ds.rowCount();
    boolean keys = ds.schema().keyColumn().isPresent();
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    Path keysTmp = out.resolveSibling(out.getFileName() + ".keys.txt.tmp");
    long written = 0;
    try (FileChannel ch =
            FileChannel.open(
                tmp,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        BufferedWriter kw = Files.newBufferedWriter(keysTmp, StandardCharsets.UTF_8);
        Loader loader =
            run.reads()
                .applyTo(
                    Loader.builder(ds)
                        .batchSize(run.batch)
                        .devices(1)
                        .workers(run.workers)
                        .order(Order.SEQUENTIAL)
                        .dropLast(false)
                        .labels(LabelMode.NONE)
                        .augment(Augment.none())
                        .keys(keys))
                .start()) {
      ch.write(ByteBuffer.wrap(npyHeader(rows, dim)));
      ParameterStore ps = new ParameterStore(manager, false);
      Batch b;
      while ((b = loader.device(0).take()) != null) {
        try (Batch batch = b;
            NDManager scope = manager.newSubManager(device)) {
          NDArray x = BatchArrays.images(scope, batch);
          float[] f = net.features(ps, x, false).toFloatArray();
          ByteBuffer buf = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
          buf.asFloatBuffer().put(f);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          for (int i = 0; i < batch.size(); i++) {
            kw.write(keys ? batch.key(i) : "#" + batch.row(i));
            kw.write('\n');
          }
          written += batch.size();
        }
      }
    }
    if (written != rows) {
      throw new IOException("the loader delivered " + written + " of " + rows + " rows");
    }
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(keysTmp, keysFile(out), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return rows;
  }
}
