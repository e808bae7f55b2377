package io.jcolz.tools;

import ai.djl.Device;
import io.jcolz.loader.read.ReadSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options {@code eval}, {@code predict} and {@code embed} share (a picocli mixin): batch size,
 * loader workers, how the loader reads ({@link ReadOptions}) and the device the model runs on. Not
 * thread-safe; filled by picocli.
 */
public final class InferenceOptions {
  @Option(names = "--batch", description = "batch size (default: ${DEFAULT-VALUE})")
  int batch = 64;

  @Option(names = "--workers", description = "loader worker threads (default: all cores)")
  int workers = Runtime.getRuntime().availableProcessors();

  @Mixin ReadOptions read = new ReadOptions();

  @Option(
      names = "--devices",
      description = "cpu or gpuN (the first device is used) (default: ${DEFAULT-VALUE})")
  String devices = "cpu";

  /** Checks the values (exit 2 on a bad one) and returns the device to run on. */
  Device validate() {
    Knobs.batch("--batch", batch);
    Knobs.threads("--workers", workers);
    reads();
    return ModelSupport.devices(devices)[0];
  }

  /** How the loader reads ({@code --read-mode}, {@code --read-ahead}); exit 2 on a bad value. */
  ReadSettings reads() {
    return read.settings();
  }
}
