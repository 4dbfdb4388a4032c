package dev.charon.cli;

import dev.charon.app.WorkerProcess;
import dev.charon.app.WorkerRole;
import dev.charon.config.Env;
import dev.charon.ops.Metrics;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "worker",
    description = "Charge consumer: takes charge requests, calls the provider, records outcomes.")
final class WorkerCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(WorkerCommand.class);

  @Option(
      names = "--concurrency",
      description = "Charges in flight at once (default: CHARON_WORKER_CONCURRENCY or 64).")
  Integer concurrency;

  @Override
  public Integer call() throws InterruptedException {
    var settings = WorkerProcess.Settings.from(Env.system());
    if (concurrency != null) {
      if (concurrency < 1) {
        System.err.println("charon worker: --concurrency must be >= 1");
        return 2;
      }
      settings = settings.withConcurrency(concurrency);
    }
    var worker = WorkerProcess.start(settings, Metrics.registry("worker"));
    System.out.printf(
        "charon worker %s: %s transport, concurrency %d, metrics on :%d/metrics%n",
        WorkerRole.workerName(),
        settings.queue().transport().name().toLowerCase(Locale.ROOT),
        settings.charging().concurrency(),
        worker.opsPort());
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // A deploy: stop taking, finish in-flight charges, hand back the rest, exit 0.
                  log.info("SIGTERM: draining (deadline {} s)", worker.drainDeadline().toSeconds());
                  boolean clean = worker.stop();
                  stopped.countDown();
                  log.info(
                      "worker stopped {}",
                      clean
                          ? "cleanly"
                          : "with charges still in flight (they will be redelivered)");
                  Runtime.getRuntime().halt(0);
                },
                "charon-drain"));
    stopped.await();
    return 0;
  }
}
