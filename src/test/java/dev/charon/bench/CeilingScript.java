package dev.charon.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The pgbench script of the ceiling and the statement that produces its run. */
final class CeilingScript {
  private CeilingScript() {}

  static String charge() {
    return read("bench/charge.pgbench");
  }

  static String produce() {
    return read("bench/produce.sql").replace("vacuum analyze;", "");
  }

  private static String read(String path) {
    try {
      return Files.readString(Path.of(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
