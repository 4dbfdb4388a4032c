package dev.charon.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Evidence that a fault happened: a command's exit status, a count above zero. */
final class Verify {
  private Verify() {}

  /** What a command printed and how it exited. */
  record Ran(int exit, String output) {}

  /**
   * Runs a command and returns its output; a non-zero exit (or a hang) means the fault did not
   * happen.
   */
  static String exitZero(String... command) {
    var ran = run(120, command);
    if (ran.exit() != 0) {
      throw new FaultNotVerified(
          String.join(" ", command) + " exited " + ran.exit() + ": " + ran.output().strip());
    }
    return ran.output();
  }

  /** {@code count} of {@code what}, which a fault that did anything makes at least one. */
  static long positive(String what, long count) {
    if (count <= 0) {
      throw new FaultNotVerified(what + ": " + count + ", expected at least 1");
    }
    return count;
  }

  static void that(boolean happened, String what) {
    if (!happened) {
      throw new FaultNotVerified(what);
    }
  }

  /** Runs a command; exit -1 when it did not finish within {@code seconds}. */
  static Ran run(long seconds, String... command) {
    try {
      var process = new ProcessBuilder(command).redirectErrorStream(true).start();
      var output = new StringBuilder();
      var reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      output.append(
                          new String(
                              process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                    } catch (IOException e) {
                      output.append("(output lost: ").append(e.getMessage()).append(')');
                    }
                  });
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        reader.join(1000);
        return new Ran(-1, "timed out after " + seconds + " s; " + output);
      }
      reader.join();
      return new Ran(process.exitValue(), output.toString());
    } catch (IOException e) {
      return new Ran(-1, "could not start: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
