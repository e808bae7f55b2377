package io.jcolz.training.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects a network's parameters under torchvision's state-dict keys, in torchvision's order:
 * {@code conv1.weight}, {@code bn1.weight}, {@code bn1.bias}, {@code bn1.running_mean}, {@code
 * bn1.running_var}, {@code layer1.0.conv1.weight}, …, {@code fc.weight}, {@code fc.bias}. DJL's
 * batch-norm names ({@code gamma}, {@code beta}, {@code runningMean}, {@code runningVar}) become
 * PyTorch's ({@code weight}, {@code bias}, {@code running_mean}, {@code running_var}).
 *
 * <p>Thread-safety: not thread-safe; used while one thread walks a network.
 */
final class TorchvisionNames {
  private final Map<String, Parameter> out = new LinkedHashMap<>();

  /** Adds the direct parameters of {@code block} under {@code prefix}. */
  void add(String prefix, Block block) {
    for (Pair<String, Parameter> p : block.getDirectParameters()) {
      String suffix =
          switch (p.getKey()) {
            case "weight", "gamma" -> "weight";
            case "bias", "beta" -> "bias";
            case "runningMean" -> "running_mean";
            case "runningVar" -> "running_var";
            default ->
                throw new IllegalStateException("unexpected DJL parameter name " + p.getKey());
          };
      out.put(prefix + "." + suffix, p.getValue());
    }
  }

  Map<String, Parameter> map() {
    return out;
  }
}
