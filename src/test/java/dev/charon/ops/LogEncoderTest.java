package dev.charon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The console encoder, driven through a logback context of its own as logback.xml sets it up. */
class LogEncoderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Logs a few representative lines through a fresh context with the given format; returns the
   * output.
   */
  private static String log(String format) {
    var context = new LoggerContext();
    context.setMDCAdapter(MDC.getMDCAdapter()); // the one LogContext writes to
    var out = new ByteArrayOutputStream();
    var encoder = new LogEncoder();
    encoder.setContext(context);
    encoder.setFormat(format);
    encoder.setPattern("%-5level %logger %X - %msg%n");
    encoder.start();
    var appender = new OutputStreamAppender<ILoggingEvent>();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(out);
    appender.start();
    var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    var log = context.getLogger("dev.charon.charging.ChargeEngine");

    log.info("plain line, no context");
    LogContext.inAttempt(
        42, 7, () -> log.info("invoice {} attempt {}: a \"quoted\"\nmulti-line reason", 42, 7));
    LogContext.inRun(3, () -> log.warn("run failed", new IllegalStateException("boom")));
    context.stop();
    return out.toString(StandardCharsets.UTF_8);
  }

  private static List<JsonNode> parseLines(String output) throws Exception {
    var events = new ArrayList<JsonNode>();
    for (var line : output.split("\n", -1)) {
      if (!line.isEmpty()) {
        events.add(JSON.readTree(line)); // throws when a line is not one JSON value
      }
    }
    return events;
  }

  @Test
  void json_format_writes_one_object_per_line_with_level_logger_thread_message_mdc_and_exception()
      throws Exception {
    var events = parseLines(log("json"));

    assertThat(events)
        .hasSize(3)
        .allSatisfy(
            event -> {
              assertThat(event.isObject()).isTrue();
              assertThat(event.get("timestamp").asLong()).isPositive();
              assertThat(event.get("loggerName").asText())
                  .isEqualTo("dev.charon.charging.ChargeEngine");
              assertThat(event.get("threadName").asText())
                  .isEqualTo(Thread.currentThread().getName());
            });
    assertThat(events.get(0).get("level").asText()).isEqualTo("INFO");
    assertThat(events.get(0).get("formattedMessage").asText()).isEqualTo("plain line, no context");

    var charge = events.get(1);
    assertThat(charge.get("formattedMessage").asText())
        .isEqualTo("invoice 42 attempt 7: a \"quoted\"\nmulti-line reason");
    assertThat(charge.get("mdc").get("invoiceId").asText()).isEqualTo("42");
    assertThat(charge.get("mdc").get("attemptId").asText()).isEqualTo("7");

    var failure = events.get(2);
    assertThat(failure.get("level").asText()).isEqualTo("WARN");
    assertThat(failure.get("mdc").get("runId").asText()).isEqualTo("3");
    assertThat(failure.get("mdc").has("invoiceId"))
        .as("context restored after the attempt")
        .isFalse();
    assertThat(failure.get("throwable").get("className").asText())
        .isEqualTo("java.lang.IllegalStateException");
    assertThat(failure.get("throwable").get("message").asText()).isEqualTo("boom");
  }

  @Test
  void the_format_is_case_insensitive() throws Exception {
    assertThat(parseLines(log("JSON"))).hasSize(3);
  }

  @Test
  void text_format_shows_the_mdc_on_the_line() {
    var lines = log("text").lines().toList();
    assertThat(lines.get(0))
        .startsWith("INFO  dev.charon.charging.ChargeEngine")
        .endsWith("- plain line, no context");
    assertThat(lines.get(1))
        .contains("invoiceId=42")
        .contains("attemptId=7")
        .contains("invoice 42 attempt 7");
    assertThat(lines)
        .anySatisfy(line -> assertThat(line).contains("runId=3").contains("run failed"));
    assertThat(lines)
        .anySatisfy(line -> assertThat(line).contains("java.lang.IllegalStateException: boom"));
  }

  @Test
  void an_unknown_format_logs_text_rather_than_nothing() {
    assertThat(log("yaml"))
        .contains("INFO  dev.charon.charging.ChargeEngine")
        .doesNotStartWith("{");
  }

  @Test
  void an_unknown_format_is_a_configuration_error_naming_the_variable() {
    assertThat(LogFormat.from(new Env(Map.of()))).isEqualTo(LogFormat.TEXT);
    assertThat(LogFormat.from(new Env(Map.of("CHARON_LOG_FORMAT", "json"))))
        .isEqualTo(LogFormat.JSON);
    assertThatThrownBy(() -> LogFormat.from(new Env(Map.of("CHARON_LOG_FORMAT", "yaml"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_LOG_FORMAT=yaml")
        .hasMessageContaining("[text, json]");
  }

  @Test
  void log_context_is_gone_from_the_thread_after_the_work() {
    LogContext.inAttempt(1, 2, () -> assertThat(MDC.get(LogContext.INVOICE_ID)).isEqualTo("1"));
    assertThat(MDC.get(LogContext.INVOICE_ID)).isNull();
    assertThat(MDC.get(LogContext.ATTEMPT_ID)).isNull();
  }
}
