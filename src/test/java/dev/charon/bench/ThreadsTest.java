package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-thread split of a JVM's CPU that the harness writes next to each e2e scenario. */
class ThreadsTest {

  @Test
  void the_jvms_own_threads_fall_in_their_categories_and_the_rest_is_the_application() {
    assertThat(Threads.category("C2 CompilerThre")).isEqualTo("jit");
    assertThat(Threads.category("C1 CompilerThre")).isEqualTo("jit");
    assertThat(Threads.category("GC Thread#1")).isEqualTo("gc");
    assertThat(Threads.category("G1 Conc#0")).isEqualTo("gc");
    assertThat(Threads.category("VM Thread")).isEqualTo("vm");
    assertThat(Threads.category("ForkJoinPool-1-")).isEqualTo("application");
    assertThat(Threads.category("charge-taker")).isEqualTo("application");
  }

  @Test
  void a_pools_threads_add_up_under_one_name() {
    assertThat(Threads.pool("GC Thread#1")).isEqualTo("GC Thread");
    assertThat(Threads.pool("HttpClient@5a2e")).isEqualTo("HttpClient");
    assertThat(Threads.pool("qtp12345-17")).isEqualTo("qtp12345");
    assertThat(Threads.pool("charge-taker")).isEqualTo("charge-taker");
  }

  @Test
  void this_jvm_has_compiler_and_application_threads_with_cpu_time() throws Exception {
    var busy =
        Thread.ofPlatform()
            .name("threads-busy")
            .start(
                () -> {
                  long until = System.nanoTime() + 300_000_000L;
                  long x = 0;
                  while (System.nanoTime() < until) {
                    x += Long.numberOfTrailingZeros(x + 1);
                  }
                });
    busy.join();
    var release = new java.util.concurrent.CountDownLatch(1);
    var live = Thread.ofPlatform().name("threads-live").start(() -> awaitQuietly(release));
    Map<Long, Threads.Sample> threads;
    try {
      threads = Threads.sample(ProcessHandle.current().pid());
    } finally {
      release.countDown();
      live.join();
    }
    assertThat(threads.values()).extracting(Threads.Sample::comm).contains("threads-live");
    assertThat(threads.values().stream().map(s -> Threads.category(s.comm())))
        .contains("jit", "application");
    assertThat(threads.values().stream().mapToDouble(Threads.Sample::cpu).sum()).isPositive();
    // A thread that has ended is gone from the sample: its time shows only in the process's total.
    assertThat(threads.values()).extracting(Threads.Sample::comm).doesNotContain("threads-busy");
  }

  private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void the_parts_add_up_to_the_process_and_an_exited_thread_is_counted_as_exited() {
    var start =
        Map.of(
            "workers",
            Map.of(
                7L,
                Map.of(
                    1L, new Threads.Sample("main", 1.0),
                    2L, new Threads.Sample("C2 CompilerThre", 2.0),
                    3L, new Threads.Sample("C1 CompilerThre", 0.5))));
    var end =
        Map.of(
            "workers",
            Map.of(
                7L,
                Map.of(
                    1L, new Threads.Sample("main", 1.5),
                    2L, new Threads.Sample("C2 CompilerThre", 4.0),
                    4L, new Threads.Sample("ForkJoinPool-1-worker-3", 3.0))));
    var node = Bench.JSON.createObjectNode();
    // The process used 6.0 s: 0.5 main, 2.0 C2, 3.0 a new carrier, 0.5 by the C1 thread that
    // exited.
    Threads.write(node, start, end, Map.of("workers", 6.0));
    var w = node.path("jvm_threads").path("workers");
    assertThat(w.path("cpu_s").asDouble()).isEqualTo(6.0);
    assertThat(w.path("jit_s").asDouble()).isEqualTo(2.0);
    assertThat(w.path("application_s").asDouble()).isEqualTo(3.5);
    assertThat(w.path("exited_s").asDouble()).isEqualTo(0.5);
    assertThat(w.path("top_threads").get(0).path("thread").asText())
        .isEqualTo("ForkJoinPool-1-worker");
    assertThat(List.of(w.path("top_threads").size())).containsExactly(3);
  }
}
