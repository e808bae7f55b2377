package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.training.loop.SettingException;
import io.jcolz.training.loop.TrainingSettings;
import io.jcolz.training.loop.TrainingSettings.Setting;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The mapping of the training library's settings to {@code jcolz train}'s flags. */
class ModelSupportTest {
  @Test
  void everySettingIsAFlagOfTrain() {
    CommandLine.Model.CommandSpec train = new CommandLine(new TrainCommand()).getCommandSpec();
    Set<String> seen = new HashSet<>();
    for (Setting s : Setting.values()) {
      String flag = ModelSupport.flag(s);
      assertNotNull(train.findOption(flag), s + " → " + flag + " is not an option of train");
      assertTrue(seen.add(flag), flag + " named twice");
    }
  }

  @Test
  void libraryMessagesAreWordedWithFlags() {
    SettingException e =
        assertThrows(SettingException.class, () -> TrainingSettings.builder().epochs(0));
    assertEquals("epochs must be at least 1, got 0", e.getMessage());
    assertEquals("--epochs must be at least 1, got 0", ModelSupport.inFlags(e));
    e = assertThrows(SettingException.class, () -> TrainingSettings.builder().resume(true).build());
    assertEquals("--resume needs --checkpoint DIR", ModelSupport.inFlags(e));
    assertEquals("plain", ModelSupport.inFlags(new IllegalArgumentException("plain")));
    Main.UsageException u =
        assertThrows(Main.UsageException.class, () -> ModelSupport.devices("gpu0,gpu0,tpu"));
    assertTrue(u.getMessage().startsWith("--devices "), u.getMessage());
  }
}
