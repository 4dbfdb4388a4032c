package dev.charon.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import org.junit.jupiter.api.Test;

class StartedTest {
  @Test
  void parts_stop_in_reverse_order_of_start_and_only_once() {
    var stopped = new ArrayList<String>();
    var started = new Started("test");
    started.onStop("database", () -> stopped.add("database"));
    started.onStop("worker", () -> stopped.add("worker"));
    started.add("api", () -> stopped.add("api"));

    started.close();
    started.close();

    assertThat(stopped).containsExactly("api", "worker", "database");
  }

  @Test
  void a_part_that_fails_to_stop_does_not_keep_the_parts_before_it_running() {
    var stopped = new ArrayList<String>();
    var started = new Started("test");
    started.onStop("database", () -> stopped.add("database"));
    started.onStop(
        "relay",
        () -> {
          throw new IllegalStateException("broker gone");
        });
    started.onStop("api", () -> stopped.add("api"));

    started.close();

    assertThat(stopped).containsExactly("api", "database");
  }
}
