package io.jcolz.tools;

import picocli.CommandLine.Option;

/**
 * {@code --json}, shared by every command that measures or summarises (a picocli mixin): with it,
 * the command prints one JSON object as the last line of stdout (its fields are listed in the
 * command's help where it is not obvious). Not thread-safe; filled by picocli.
 */
public final class JsonOption {
  @Option(names = "--json", description = "print one JSON object as the last line of stdout")
  boolean json;

  /** Whether {@code --json} was given. */
  boolean on() {
    return json;
  }
}
