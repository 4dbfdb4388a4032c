package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness's JFR summary (issue 17's "gap explained with a profile"). */
class JfrSummaryTest {
  @Test
  void a_sample_is_charged_to_the_first_library_below_the_jdks_code() {
    assertThat(
            JfrSummary.bucket(
                List.of(
                    "java.lang.StringBuilder",
                    "com.fasterxml.jackson.core.json.WriterBasedJsonGenerator",
                    "dev.charon.charging.ChargeWorker")))
        .isEqualTo("Jackson");
    assertThat(
            JfrSummary.bucket(
                List.of(
                    "sun.nio.ch.SocketDispatcher",
                    "org.postgresql.core.PGStream",
                    "org.jdbi.v3.core.Handle")))
        .isEqualTo("JDBC (pgjdbc)");
    assertThat(JfrSummary.bucket(List.of("java.lang.Object", "java.lang.Thread")))
        .isEqualTo(JfrSummary.JDK_ONLY);
    assertThat(JfrSummary.bucket(List.of("org.example.Thing", "dev.charon.Main")))
        .isEqualTo(JfrSummary.OTHER);
  }

  @Test
  void jettys_shared_io_code_goes_to_the_client_or_server_that_runs_it() {
    assertThat(
            JfrSummary.bucket(
                List.of(
                    "sun.nio.ch.SocketChannelImpl",
                    "org.eclipse.jetty.io.SocketChannelEndPoint",
                    "org.eclipse.jetty.client.transport.internal.HttpSenderOverHTTP",
                    "dev.charon.payment.JettyProvider")))
        .isEqualTo("HTTP client (Jetty)");
    assertThat(
            JfrSummary.bucket(
                List.of(
                    "org.eclipse.jetty.io.ManagedSelector",
                    "org.eclipse.jetty.server.HttpConnection",
                    "io.javalin.Javalin")))
        .isEqualTo("HTTP server (Jetty, Javalin)");
    // Jetty's util code called straight from Charon is Jetty's, not Charon's.
    assertThat(
            JfrSummary.bucket(
                List.of("org.eclipse.jetty.util.BufferUtil", "dev.charon.gateway.ChargeHandler")))
        .isEqualTo("Jetty io/util");
  }

  @Test
  void a_recording_of_a_busy_jackson_loop_puts_its_samples_in_the_jackson_bucket(@TempDir Path dir)
      throws Exception {
    var file = dir.resolve("busy.jfr");
    Instant from;
    Instant to;
    try (var recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      recording.start();
      from = Instant.now();
      busyWithJackson(Duration.ofMillis(1500));
      to = Instant.now();
      recording.stop();
      recording.dump(file);
    }

    var summary = JfrSummary.summarise(file, from, to);

    assertThat(summary.path("samples").asLong()).isGreaterThanOrEqualTo(20);
    JsonNode first = summary.path("buckets").get(0);
    assertThat(first.path("bucket").asText()).isEqualTo("Jackson");
    assertThat(first.path("share").asDouble()).isGreaterThan(0.5);
    assertThat(summary.path("top_frames").get(0).path("frame").asText()).contains(".");
    assertThat(summary.path("charon_inclusive").get(0).path("frame").asText())
        .startsWith("dev.charon.bench.JfrSummaryTest.");
    // Samples outside the window are not counted.
    var before = JfrSummary.summarise(file, from.minusSeconds(60), from.minusSeconds(30));
    assertThat(before.path("samples").asLong()).isZero();
  }

  private static long busyWithJackson(Duration duration) throws Exception {
    var mapper = new ObjectMapper();
    var value =
        Map.of(
            "invoice",
            123456789L,
            "amount_minor",
            4200,
            "currency",
            "EUR",
            "lines",
            List.of(1, 2, 3));
    long deadline = System.nanoTime() + duration.toNanos();
    long bytes = 0;
    while (System.nanoTime() < deadline) {
      var json = mapper.writeValueAsBytes(value);
      bytes += mapper.readTree(json).size();
    }
    return bytes;
  }
}
