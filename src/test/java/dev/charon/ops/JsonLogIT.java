package dev.charon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.money.Currency;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged jar with CHARON_LOG_FORMAT=json: stderr is JSON lines carrying run, invoice and
 * attempt ids.
 */
class JsonLogIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void bill_with_json_format_writes_one_json_object_per_line_with_ids_in_mdc() throws Exception {
    var period = YearMonth.now(ZoneOffset.UTC);
    var fixtures = new Fixtures(db.jdbi());
    var invoices =
        List.of(
            fixtures.invoice().in(Currency.EUR).period(period).create(),
            fixtures.invoice().in(Currency.USD).period(period).create());

    var result = run("json", "bill", "--period", period.toString(), "--workers", "2");
    var stderr = result.stderr();
    assertThat(result.exit()).as(stderr).isZero();

    var lines = stderr.lines().filter(line -> !line.isBlank()).toList();
    assertThat(lines).as("stderr of bill").isNotEmpty();
    var events = new ArrayList<JsonNode>();
    for (var line : lines) {
      var event = JSON.readTree(line); // throws when a line is not JSON
      assertThat(event.isObject()).as(line).isTrue();
      assertThat(event.get("timestamp").isNumber()).as(line).isTrue();
      assertThat(event.get("level").asText())
          .as(line)
          .isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
      assertThat(event.get("loggerName").asText()).as(line).isNotBlank();
      assertThat(event.get("threadName").asText()).as(line).isNotBlank();
      assertThat(event.get("formattedMessage").asText()).as(line).isNotBlank();
      assertThat(event.has("mdc")).as(line).isTrue();
      assertThat(event.has("throwable")).as(line).isTrue();
      events.add(event);
    }

    var runFinished =
        events.stream()
            .filter(e -> e.get("formattedMessage").asText().matches("billing run \\d+ finished"))
            .findFirst();
    assertThat(runFinished).as(stderr).isPresent();
    var runId = runFinished.get().get("formattedMessage").asText().split(" ")[2];
    assertThat(runFinished.get().get("mdc").get("runId").asText()).isEqualTo(runId);

    for (long invoice : invoices) {
      var charged =
          events.stream()
              .filter(e -> e.get("loggerName").asText().equals("dev.charon.charging.ChargeBooks"))
              .filter(
                  e ->
                      e.get("formattedMessage")
                          .asText()
                          .startsWith("invoice " + invoice + " attempt "))
              .findFirst();
      assertThat(charged).as("settle line of invoice " + invoice + " in " + stderr).isPresent();
      var mdc = charged.get().get("mdc");
      assertThat(mdc.get("invoiceId").asText()).isEqualTo(Long.toString(invoice));
      var attempt = charged.get().get("formattedMessage").asText().split(" ")[3].replace(":", "");
      assertThat(mdc.get("attemptId").asText()).isEqualTo(attempt);
    }
  }

  @Test
  void an_unknown_log_format_refuses_to_start_naming_the_variable() throws Exception {
    var result = run("yaml", "migrate");
    assertThat(result.exit()).as(result.stderr()).isEqualTo(2);
    assertThat(result.stderr()).contains("CHARON_LOG_FORMAT=yaml").contains("text, json");
  }

  private record Result(int exit, String stderr) {}

  /**
   * Runs a role of the packaged jar to its end; stdout (the progress display) is dropped, stderr
   * kept.
   */
  private static Result run(String format, String... args)
      throws IOException, InterruptedException {
    var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var command =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx256m",
                "-jar",
                CharonProcess.projectRoot().resolve("target/charon.jar").toString()));
    command.addAll(List.of(args));
    var stderr = Files.createTempFile("charon-json-log", ".err");
    try {
      var builder = new ProcessBuilder(command).directory(CharonProcess.projectRoot().toFile());
      builder.environment().putAll(db.processEnv());
      builder.environment().put("CHARON_LOG_FORMAT", format);
      builder.environment().remove("CHARON_LOG_LEVEL");
      builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
      var process = builder.start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(
            "charon " + String.join(" ", args) + " did not finish: " + Files.readString(stderr));
      }
      return new Result(process.exitValue(), Files.readString(stderr));
    } finally {
      Files.deleteIfExists(stderr);
    }
  }
}
