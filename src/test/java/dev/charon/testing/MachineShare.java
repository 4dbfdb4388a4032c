package dev.charon.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Lets the integration tests run in two JVMs at once (failsafe's {@code it.forks}) while the chaos
 * suite keeps the machine to itself: its runs are paced so that every fault strikes while work is
 * outstanding, which another test's processes on the same two cores can upset. A class of the
 * {@code dev.charon.chaos} package holds {@code target/it-machine.lock} exclusively while it runs;
 * every other integration-test class holds it shared, so those run beside each other and never
 * beside the chaos suite. The lock is an OS file lock: it holds across the forks' JVMs and goes
 * with a JVM that dies. Registered for failsafe only (JUnit's extension autodetection, pom.xml).
 */
public final class MachineShare implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(MachineShare.class);

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    var type = context.getRequiredTestClass();
    if (type.getEnclosingClass() != null) {
      return; // a nested class runs inside its top-level class, which holds the lock
    }
    boolean alone = type.getPackageName().equals("dev.charon.chaos");
    var path = CharonProcess.projectRoot().resolve("target/it-machine.lock");
    var channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long started = System.nanoTime();
    channel.lock(0, Long.MAX_VALUE, !alone); // released when the channel closes
    long waited = (System.nanoTime() - started) / 1_000_000;
    if (waited > 100) {
      System.err.printf(
          "%s waited %d ms for the machine (%s)%n",
          type.getSimpleName(), waited, alone ? "alone" : "shared");
    }
    context.getStore(NAMESPACE).put("lock", channel);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    var channel = context.getStore(NAMESPACE).remove("lock", FileChannel.class);
    if (channel != null) {
      channel.close();
    }
  }
}
