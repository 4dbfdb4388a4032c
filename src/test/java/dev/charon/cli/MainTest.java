package dev.charon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class MainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return run(Main.commandLine(), args);
  }

  private int run(picocli.CommandLine cli, String... args) {
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void help_lists_every_role() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains(
            "demo",
            "server",
            "worker",
            "bill",
            "gateway",
            "migrate",
            "seed",
            "audit",
            "api-key",
            "watch-events");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "demo",
        "server",
        "worker",
        "bill",
        "gateway",
        "migrate",
        "seed",
        "audit",
        "api-key",
        "watch-events"
      })
  void every_role_answers_help_with_its_usage_and_does_nothing_else(String role) {
    assertThat(run(role, "--help")).isZero();
    assertThat(out.toString()).contains("Usage: charon " + role);
  }

  @Test
  void no_role_is_a_usage_error() {
    assertThat(run()).isNotZero();
  }

  @Test
  void an_unknown_role_is_a_usage_error() {
    assertThat(run("frobnicate")).isNotZero();
    assertThat(err.toString()).contains("frobnicate");
  }

  @Test
  void an_unknown_log_format_stops_any_role_before_it_starts_naming_the_variable() {
    var cli =
        Main.commandLine(new dev.charon.config.Env(java.util.Map.of("CHARON_LOG_FORMAT", "yaml")));
    assertThat(run(cli, "migrate")).isEqualTo(2);
    assertThat(err.toString())
        .contains("charon migrate: CHARON_LOG_FORMAT=yaml is not one of [text, json]");
  }

  @Test
  void a_server_whose_port_is_taken_stops_with_one_line_naming_the_option_and_the_variable()
      throws Exception {
    try (var taken = new java.net.ServerSocket(0)) {
      assertThat(run("server", "--port", String.valueOf(taken.getLocalPort()))).isEqualTo(2);
    }
    assertThat(err.toString().strip())
        .startsWith("charon server: port ")
        .contains("already in use", "--port or CHARON_HTTP_PORT")
        .doesNotContain("Exception", "\tat ")
        .hasLineCount(1);
  }

  @Test
  void a_gateway_whose_port_is_taken_stops_with_one_line_naming_the_option_and_the_variable()
      throws Exception {
    try (var taken = new java.net.ServerSocket(0)) {
      assertThat(
              run(
                  "gateway",
                  "--port",
                  String.valueOf(taken.getLocalPort()),
                  "--state-file",
                  java.nio.file.Files.createTempDirectory("gateway")
                      .resolve("journal.jsonl")
                      .toString()))
          .isEqualTo(2);
    }
    assertThat(err.toString().strip())
        .startsWith("charon gateway: port ")
        .contains("already in use", "--port or CHARON_GATEWAY_PORT")
        .doesNotContain("Exception", "\tat ")
        .hasLineCount(1);
  }
}
