package dev.charon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alert rules in ops/prometheus/ tested like code, with Debian's promtool (prerequisite {@code
 * prereq_prometheus}): they load, every alert's unit test passes, and every alert has a unit test
 * and a runbook section.
 */
class PrometheusRulesTest {
  static final Path RULES = Path.of("ops/prometheus/rules.yml");
  static final Path TESTS = Path.of("ops/prometheus/tests/alerts_test.yml");
  static final Path RUNBOOKS = Path.of("docs/runbooks.md");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");

  private static String promtool(String... args) throws IOException, InterruptedException {
    assertThat(PROMTOOL)
        .as("promtool is installed (scripts/prerequisites.sh: apt-get install prometheus)")
        .isExecutable();
    var command = new java.util.ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    return output;
  }

  private static List<String> alerts() throws IOException {
    var matcher = Pattern.compile("(?m)^\\s*- alert: (\\S+)").matcher(Files.readString(RULES));
    var names = new java.util.ArrayList<String>();
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  @Test
  void the_rules_load() throws Exception {
    assertThat(promtool("check", "rules", RULES.toString())).contains("SUCCESS");
  }

  @Test
  void every_alerts_unit_test_passes() throws Exception {
    assertThat(promtool("test", "rules", TESTS.toString())).contains("SUCCESS");
  }

  @Test
  void every_alert_has_a_unit_test_a_severity_and_a_runbook_section() throws IOException {
    var tests = Files.readString(TESTS);
    var runbooks = Files.readString(RUNBOOKS);
    var rules = Files.readString(RULES);
    assertThat(alerts()).hasSizeGreaterThanOrEqualTo(15);
    for (var alert : alerts()) {
      assertThat(tests).as(alert + " has a unit test").contains("alertname: " + alert + "\n");
      assertThat(runbooks).as(alert + " has a runbook section").contains("## " + alert + "\n");
      assertThat(rules)
          .as(alert + " links its runbook")
          .contains("runbook_url: docs/runbooks.md#" + alert.toLowerCase(java.util.Locale.ROOT));
    }
    assertThat(Pattern.compile("severity: (critical|warning)").matcher(rules).results().count())
        .as("every alert has a severity")
        .isEqualTo(alerts().size());
  }
}
