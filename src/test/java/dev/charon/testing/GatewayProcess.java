package dev.charon.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The real {@code charon gateway} as its own process, with a journal of its own. */
public final class GatewayProcess implements AutoCloseable {
  private final CharonProcess process;
  private final int port;
  private final Path journal;

  private GatewayProcess(CharonProcess process, int port, Path journal) {
    this.process = process;
    this.port = port;
    this.journal = journal;
  }

  /**
   * Starts a gateway with the given fault flags (e.g. "--decline-rate", "0.05") and waits until it
   * answers.
   */
  public static GatewayProcess start(String... faultFlags) {
    return start(
        CharonProcess.sharedTempDir("charon-gw").resolve("journal.jsonl"),
        CharonProcess.freePort(),
        faultFlags);
  }

  public static GatewayProcess start(Path journal, int port, String... faultFlags) {
    var args =
        new ArrayList<>(
            List.of("gateway", "--port", String.valueOf(port), "--state-file", journal.toString()));
    args.addAll(List.of(faultFlags));
    var process = CharonProcess.start(Map.of(), args.toArray(String[]::new));
    var gateway = new GatewayProcess(process, port, journal);
    var http = new Http(gateway.url());
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .failFast("gateway exited; see " + process.logFile(), () -> !process.isAlive())
        .until(() -> http.get("/health").status() == 200);
    return gateway;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Path journal() {
    return journal;
  }

  public CharonProcess process() {
    return process;
  }

  @Override
  public void close() {
    process.close();
  }
}
