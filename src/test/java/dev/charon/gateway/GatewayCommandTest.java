package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class GatewayCommandTest {
  @Test
  void a_rate_out_of_range_refuses_to_start_and_names_the_option() {
    var err = new StringWriter();
    var cli = Main.commandLine().setErr(new PrintWriter(err));

    int exit = cli.execute("gateway", "--decline-rate", "1.5", "--port", "0");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--decline-rate must be between 0 and 1");
  }

  @Test
  void gateway_is_a_listed_role() {
    var out = new StringWriter();
    Main.commandLine().setOut(new PrintWriter(out)).execute("gateway", "--help");

    assertThat(out.toString())
        .contains("--latency-ms", "--timeout-rate", "--state-file", "--reset", "--seed");
  }
}
