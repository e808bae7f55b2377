package io.jcolz.training.loop;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.jcolz.training.loop.TrainingSettings.Setting;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * Parses a device list: {@code cpu} (one CPU device), {@code gpu} (every GPU the engine sees), or a
 * list {@code gpu0,gpu1,…} (those GPUs). Errors are {@link SettingException}s about {@link
 * Setting#DEVICES}. Thread-safe (stateless).
 */
public final class Devices {
  private Devices() {}

  /**
   * Parses a device list and checks the GPUs exist.
   *
   * @param text {@code cpu}, {@code gpu} or {@code gpuN[,gpuM…]}
   * @return the devices, one loader queue each
   * @throws SettingException for bad syntax, or GPUs the engine does not see
   */
  public static Device[] parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.equals("cpu")) {
      return new Device[] {Device.cpu()};
    }
    int gpus = Engine.getInstance().getGpuCount();
    if (t.equals("gpu")) {
      if (gpus == 0) {
        throw noGpu("gpu");
      }
      Device[] all = new Device[gpus];
      for (int i = 0; i < gpus; i++) {
        all[i] = Device.gpu(i);
      }
      return all;
    }
    LinkedHashSet<Integer> ids = new LinkedHashSet<>();
    for (String part : t.split(",")) {
      String p = part.strip();
      if (!p.matches("gpu[0-9]+")) {
        throw SettingException.of(
            Setting.DEVICES, " must be cpu, gpu or gpu0,gpu1,..., not '" + text + "'");
      }
      int id = Integer.parseInt(p.substring(3));
      if (id >= gpus) {
        throw gpus == 0
            ? noGpu(p)
            : SettingException.of(
                Setting.DEVICES,
                " " + p + ": the engine sees " + gpus + " GPU(s), gpu0..gpu" + (gpus - 1));
      }
      if (!ids.add(id)) {
        throw SettingException.of(Setting.DEVICES, " lists " + p + " twice");
      }
    }
    List<Device> out = new ArrayList<>();
    for (int id : ids) {
      out.add(Device.gpu(id));
    }
    return out.toArray(Device[]::new);
  }

  private static SettingException noGpu(String what) {
    return SettingException.of(
        Setting.DEVICES,
        " "
            + what
            + ": no GPU visible to the PyTorch engine ("
            + Engine.getInstance().getEngineName()
            + " "
            + Engine.getInstance().getVersion()
            + "; the CPU build of pytorch-native, or no CUDA device)");
  }
}
