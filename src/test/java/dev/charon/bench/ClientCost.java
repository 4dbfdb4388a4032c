package dev.charon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.HttpPaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * CPU per provider call of each HTTP client at the same concurrency, against the real gateway (zero
 * latency), each with a keep-alive pool sized to the concurrency and building and reading the same
 * JSON: the JDK {@code HttpClient} (the worker's client until issue 17), the worker's own client
 * ({@link HttpPaymentProvider}, on Jetty 12's client since issue 17) and reactor-netty's client (a
 * Netty-based candidate). The calls run in this harness JVM, whose CPU is measured (it does nothing
 * else meanwhile); the gateway's CPU is measured too, as its cost depends on how the client talks
 * to it.
 */
final class ClientCost {
  private static final ObjectMapper JSON = new ObjectMapper();

  interface Client extends AutoCloseable {
    boolean charge(ChargeRequest request) throws Exception;
  }

  private final Context ctx;
  private final int calls;
  private final int concurrency;

  ClientCost(Context ctx, int calls, int concurrency) {
    this.ctx = ctx;
    this.calls = calls;
    this.concurrency = concurrency;
  }

  ObjectNode run() throws Exception {
    var node = Bench.JSON.createObjectNode();
    node.put("kind", "clients");
    node.put("calls", calls);
    node.put("concurrency", concurrency);
    int port = ChargeRun.freePort();
    var gateway =
        ctx.procs.start(
            "clients.gateway",
            Map.of(),
            ctx.charon(
                List.of("-Xmx512m"),
                "gateway",
                "--port",
                String.valueOf(port),
                "--state-file",
                ctx.out.resolve("clients.gateway.jsonl").toString(),
                "--reset"));
    try {
      Procs.await("the gateway", Duration.ofSeconds(90), () -> gateway.logContains("listening"));
      var base = URI.create("http://127.0.0.1:" + port);
      Bench.log(
          "clients: %,d calls at concurrency %d per client (load %s)",
          calls, concurrency, Cpu.loadavg());
      measure(node.putObject("jdk_httpclient"), "jdk", new Jdk(base), gateway.pid());
      measure(
          node.putObject("jetty_client"), "jetty", new Worker(base, concurrency), gateway.pid());
      measure(
          node.putObject("reactor_netty_client"),
          "reactor-netty",
          new ReactorNetty(base, concurrency),
          gateway.pid());
    } finally {
      ctx.procs.stop(gateway);
    }
    return node;
  }

  private void measure(ObjectNode node, String name, Client client, long gatewayPid)
      throws Exception {
    try (client) {
      int warm = Math.max(1000, calls / 5);
      long warmFailed = drive(client, name + "-warm", warm); // JIT and connection pool
      if (warmFailed > warm / 2) { // a broken client: say so rather than time out call by call
        node.put("error", warmFailed + " of " + warm + " warm-up calls failed; not measured");
        Bench.log(
            "clients: %s failed %d of %d warm-up calls; not measured", name, warmFailed, warm);
        return;
      }
      long self = ProcessHandle.current().pid();
      double c0 = Cpu.process(self), g0 = Cpu.process(gatewayPid), m0 = Cpu.machineBusy();
      double s0 = Cpu.steal();
      long t0 = System.nanoTime();
      long failed = drive(client, name, calls);
      double wall = (System.nanoTime() - t0) / 1e9;
      double client1 = Cpu.process(self) - c0, gw = Cpu.process(gatewayPid) - g0;
      node.put("failed", failed);
      node.put("calls_per_s", Bench.round(calls / wall, 0));
      node.put("client_cpu_us_per_call", Bench.round(client1 * 1e6 / calls, 1));
      node.put("gateway_cpu_us_per_call", Bench.round(gw * 1e6 / calls, 1));
      node.put("machine_busy_cpu_s", Bench.round(Cpu.machineBusy() - m0, 2));
      node.put("window_s", Bench.round(wall, 2));
      Disturbance.judge(
          node,
          wall * Runtime.getRuntime().availableProcessors(),
          Cpu.machineBusy() - m0,
          Cpu.steal() - s0,
          client1 + gw);
      Bench.log(
          "clients: %s %s CPU-us per call (gateway %s)",
          name, node.path("client_cpu_us_per_call"), node.path("gateway_cpu_us_per_call"));
    }
  }

  /**
   * {@code n} calls, at most {@code concurrency} in flight, each on a virtual thread; returns
   * failures.
   */
  private long drive(Client client, String prefix, int n) throws InterruptedException {
    var failed = new AtomicLong();
    var slots = new Semaphore(concurrency);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        slots.acquire();
        var request =
            new ChargeRequest(
                i + 1,
                i + 1,
                Money.ofMinor(100 + i % 1000, Currency.EUR),
                prefix + "-" + i + "-" + System.nanoTime());
        pool.execute(
            () -> {
              try {
                if (!client.charge(request)) {
                  failed.incrementAndGet();
                }
              } catch (Exception e) {
                failed.incrementAndGet();
              } finally {
                slots.release();
              }
            });
      }
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.MINUTES);
    }
    return failed.get();
  }

  private static byte[] body(ChargeRequest request) throws Exception {
    return JSON.writeValueAsBytes(
        JSON.createObjectNode()
            .put("invoiceId", request.invoiceId())
            .put("customerId", request.customerId())
            .put("amountMinor", request.amount().minorUnits())
            .put("currency", request.amount().currency().name()));
  }

  private static boolean charged(int status, byte[] body) throws Exception {
    return status == 201 && !JSON.readTree(body).path("chargeId").asText("").isEmpty();
  }

  /** The JDK client as the worker used it until issue 17 (HTTP/1.1, its own connection pool). */
  private static final class Jdk implements Client {
    private final java.net.http.HttpClient client =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final URI url;

    Jdk(URI base) {
      url = URI.create(base + "/charges");
    }

    @Override
    public boolean charge(ChargeRequest request) throws Exception {
      var response =
          client.send(
              HttpRequest.newBuilder(url)
                  .timeout(Duration.ofSeconds(10))
                  .header("Idempotency-Key", request.idempotencyKey())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body(request)))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      return charged(response.statusCode(), response.body());
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /** The worker's own provider client, pool sized as the worker sizes it (its concurrency). */
  private static final class Worker implements Client {
    private final HttpPaymentProvider provider;

    Worker(URI base, int concurrency) {
      provider =
          new HttpPaymentProvider(base, Duration.ofSeconds(2), Duration.ofSeconds(10), concurrency);
    }

    @Override
    public boolean charge(ChargeRequest request) {
      return provider.charge(request) instanceof ChargeOutcome.Charged;
    }

    @Override
    public void close() {
      provider.close();
    }
  }

  /**
   * reactor-netty's HTTP client (Netty event loops, one per core), a fixed pool of {@code
   * concurrency} connections, called blocking from the same virtual threads as the others. NIO, not
   * the native epoll transport: reactor-netty's epoll jar is Netty 4.2.17 while the amqp-client
   * brings Netty 4.2.20's unix-common, and the pair fails at the first connect.
   */
  private static final class ReactorNetty implements Client {
    private final ConnectionProvider pool;
    private final LoopResources loops = LoopResources.create("bench-netty", 2, true);
    private final HttpClient client;

    ReactorNetty(URI base, int concurrency) {
      pool =
          ConnectionProvider.builder("bench-provider")
              .maxConnections(concurrency)
              .pendingAcquireMaxCount(-1)
              .build();
      client =
          HttpClient.create(pool)
              .runOn(loops, false)
              .baseUrl(base.toString())
              .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
              .responseTimeout(Duration.ofSeconds(10));
    }

    @Override
    public boolean charge(ChargeRequest request) throws Exception {
      var body = body(request);
      Boolean ok =
          client
              .headers(
                  h ->
                      h.set("Idempotency-Key", request.idempotencyKey())
                          .set("Content-Type", "application/json")
                          .set("Content-Length", body.length))
              .post()
              .uri("/charges")
              .send(Mono.just(Unpooled.wrappedBuffer(body)))
              .responseSingle(
                  (response, content) ->
                      content
                          .asByteArray()
                          .defaultIfEmpty(new byte[0])
                          .map(
                              bytes -> {
                                try {
                                  return charged(response.status().code(), bytes);
                                } catch (Exception e) {
                                  return false;
                                }
                              }))
              .block(Duration.ofSeconds(10));
      return Boolean.TRUE.equals(ok);
    }

    @Override
    public void close() {
      pool.dispose();
      loops.dispose();
    }
  }
}
