package dev.charon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class MainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    var cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void help_lists_every_role() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains("demo", "server", "worker", "bill", "gateway", "migrate", "seed", "audit", "api-key");
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
}
