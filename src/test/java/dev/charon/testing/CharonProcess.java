package dev.charon.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Charon role started as its own OS process through {@code ./charon}, the way users start it.
 * Output goes to a log file under target/ so failures can be read afterwards.
 */
public final class CharonProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private CharonProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts the packaged jar directly with this JVM's java (tests run after {@code package}). Use
   * {@link #viaLauncher} where the launcher's own behaviour is under test.
   */
  public static CharonProcess start(Map<String, String> env, String... args) {
    var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var jar = projectRoot().resolve("target/charon.jar").toString();
    var command = new ArrayList<>(List.of(java, "-Xmx512m", "-jar", jar));
    command.addAll(List.of(args));
    return launch(env, args[0], command);
  }

  /**
   * As {@link #start}, behind a command prefix: {@code ip netns exec charon-w} runs the role in a
   * network namespace of its own (ChaosIT's partitioned worker). The prefix execs the JVM, so the
   * pid is the role's.
   */
  public static CharonProcess startBehind(
      List<String> prefix, Map<String, String> env, String... args) {
    var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var jar = projectRoot().resolve("target/charon.jar").toString();
    var command = new ArrayList<>(prefix);
    command.addAll(List.of(java, "-Xmx512m", "-jar", jar));
    command.addAll(List.of(args));
    return launch(env, args[0], command);
  }

  /** Starts a role through {@code ./charon}, exactly as a user would. */
  public static CharonProcess viaLauncher(Map<String, String> env, String... args) {
    var command = new ArrayList<>(List.of(projectRoot().resolve("charon").toString()));
    command.addAll(List.of(args));
    return launch(env, args[0], command, projectRoot());
  }

  /** Starts a role through the launcher of another checkout (a copy elsewhere), from its folder. */
  public static CharonProcess viaLauncherIn(
      Path checkout, Map<String, String> env, String... args) {
    var command = new ArrayList<>(List.of(checkout.resolve("charon").toString()));
    command.addAll(List.of(args));
    return launch(env, args[0], command, checkout);
  }

  private static CharonProcess launch(Map<String, String> env, String role, List<String> command) {
    return launch(env, role, command, projectRoot());
  }

  private static CharonProcess launch(
      Map<String, String> env, String role, List<String> command, Path directory) {
    try {
      var root = projectRoot();
      var logs = Files.createDirectories(root.resolve("target/process-logs"));
      var log = logs.resolve(role + "-" + System.nanoTime() + ".log");
      var builder =
          new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
      builder.redirectOutput(log.toFile());
      builder.environment().putAll(env);
      return new CharonProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path projectRoot() {
    var dir = new File("").getAbsoluteFile().toPath();
    while (dir != null && !Files.exists(dir.resolve("charon"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no ./charon above " + new File("").getAbsolutePath());
    }
    return dir;
  }

  /** A directory any user can write to (as root, the embedded PostgreSQL may run as 'nobody'). */
  public static Path sharedTempDir(String prefix) {
    try {
      var dir = Files.createTempDirectory(prefix);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static int freePort() {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  public Path logFile() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** Waits for the process to exit and returns its exit code, or -1 on timeout. */
  public int waitFor(long seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** SIGTERM to the process and its children (the JVM behind ./charon's exec is the same pid). */
  public void terminate() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
  }

  /** SIGKILL, no cleanup. */
  public void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      terminate();
      if (waitFor(20) == -1) {
        kill();
      }
    }
  }
}
