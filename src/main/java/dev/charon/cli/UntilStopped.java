package dev.charon.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Keeps a long-running role up until the process is told to stop (or a time is up). */
final class UntilStopped {
  private UntilStopped() {}

  /**
   * Closes {@code role} on SIGTERM/SIGINT (and on {@code System.exit}, which a returning command
   * leads to), then lets the process end. With {@code seconds} set, returns after that long.
   * Returns true when the time ran out.
   */
  static boolean await(AutoCloseable role, String name, Integer seconds)
      throws InterruptedException {
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    role.close();
                  } catch (Exception e) {
                    System.err.println("charon " + name + ": stopping failed: " + e);
                  } finally {
                    stopped.countDown();
                  }
                },
                "charon-shutdown"));
    if (seconds == null) {
      stopped.await();
      return false;
    }
    return !stopped.await(seconds, TimeUnit.SECONDS);
  }
}
