package io.jcolz.tools;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on stderr (me.tongfei:progressbar). Commands draw them only when stderr is a
 * terminal ({@link CliSupport#stderrIsTerminal()}). Not thread-safe to build; the bars themselves
 * accept steps from any thread.
 */
public final class Progress {
  private Progress() {}

  /** A bar counting {@code total} bytes, shown in MiB. */
  public static ProgressBar bytes(String task, long total) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setUnit(" MiB", 1 << 20)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .showSpeed()
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS)
        .build();
  }

  /** A bar counting {@code total} items (images), with rate and ETA. */
  public static ProgressBar items(String task, long total, String unit) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setUnit(" " + unit, 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .showSpeed()
        .setMaxRenderedLength(120)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS)
        .build();
  }
}
