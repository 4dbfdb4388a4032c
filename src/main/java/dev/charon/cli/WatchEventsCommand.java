package dev.charon.cli;

import dev.charon.config.Env;
import dev.charon.queue.AmqpSettings;
import dev.charon.queue.EventWatch;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code charon watch-events}: what a consuming service sees. Binds a private, auto-deleted queue
 * to the events exchange and prints every CloudEvent that arrives, one JSON object per line.
 */
@Command(
    name = "watch-events",
    description =
        "Bind a temporary queue to the events exchange (CHARON_AMQP_URL) and print each CloudEvent as it arrives.")
final class WatchEventsCommand implements Callable<Integer> {
  @Option(
      names = "--binding",
      description =
          "Topic binding key, e.g. 'invoice.#' or 'billing_run.*' (default: #, everything).")
  String binding = "#";

  @Option(
      names = "--exchange",
      description = "Exchange (default: CHARON_EVENTS_EXCHANGE or charon.events).")
  String exchange;

  @Option(
      names = "--count",
      description = "Exit 0 after this many events (default: run until interrupted).")
  Integer count;

  @Option(
      names = "--timeout",
      description = "With --count: give up (exit 1) after this many seconds (default 300).")
  int timeoutSeconds = 300;

  @Override
  public Integer call() throws Exception {
    var env = Env.system();
    var amqp = AmqpSettings.from(env);
    var name = exchange != null ? exchange : env.string("CHARON_EVENTS_EXCHANGE", "charon.events");
    var received = new CountDownLatch(count == null ? Integer.MAX_VALUE : count);
    Consumer<String> print =
        event -> {
          synchronized (System.out) {
            System.out.println(event);
            System.out.flush();
          }
          received.countDown();
        };
    try (var watch = EventWatch.start(amqp, name, binding, print, received::countDown)) {
      System.err.printf("watching %s with binding '%s' (queue %s)%n", name, binding, watch.queue());
      if (count == null) {
        received.await();
        return 0;
      }
      boolean all =
          received.await(Duration.ofSeconds(timeoutSeconds).toMillis(), TimeUnit.MILLISECONDS);
      if (!all) {
        System.err.printf(
            "charon watch-events: %d of %d events in %d s%n",
            count - received.getCount(), count, timeoutSeconds);
      }
      return all ? 0 : 1;
    }
  }
}
