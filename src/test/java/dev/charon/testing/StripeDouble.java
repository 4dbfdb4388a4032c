package dev.charon.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays Stripe's PaymentIntents API for the adapter's tests, which no independent emulator here
 * implements: every object it answers with is Stripe's own example from {@code
 * stripe/fixtures3.json} (Stripe's public OpenAPI repository), with only the fields a case is about
 * changed (ids, status, amount, currency, metadata, the error). Like Stripe it stores the first
 * answer of each {@code Idempotency-Key} and replays it (header {@code Idempotent-Replayed}), and
 * it keeps the PaymentIntents it made so a test can read its ledger. {@code GET /v1/charges} lists
 * the charge of each succeeded PaymentIntent, newest first, as Stripe does, with the PaymentIntent
 * expanded on request ({@code expand[]=data.payment_intent}) and no metadata of its own: Charon's
 * metadata is the PaymentIntent's, and a reader of charges must find it there.
 *
 * <p>How a customer pays is scripted per Stripe customer id: {@link #customer} registers one with a
 * default payment method and what a PaymentIntent on it comes to.
 */
public final class StripeDouble implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode FIXTURES = load();

  /** What a PaymentIntent on a customer comes to. */
  public sealed interface Script {}

  /** {@code succeeded}. */
  public record Succeeds() implements Script {}

  /** A 402 card_error, as Stripe answers a declined confirmation. */
  public record Declines(
      String declineCode,
      String brand,
      String adviceCode,
      String networkAdviceCode,
      String networkDeclineCode)
      implements Script {}

  /** A 200 with {@code requires_action} (an off-session payment the bank wants authenticated). */
  public record RequiresAction() implements Script {}

  /** A 200 with {@code requires_payment_method} and {@code last_payment_error}. */
  public record RequiresPaymentMethod(String declineCode) implements Script {}

  /** A 200 with {@code processing}; a later retrieve answers {@code then}'s status. */
  public record Processing(String then) implements Script {}

  private record Customer(
      String id, String defaultPaymentMethod, String defaultSource, Script script) {}

  private record Answer(int status, String body) {}

  /** A PaymentIntent the double made, as a test reads it. */
  public record Intent(
      String id,
      String status,
      long amount,
      String currency,
      String customer,
      String paymentMethod,
      Map<String, String> params,
      String idempotencyKey) {}

  private final HttpServer server;
  private final Map<String, Customer> customers = new ConcurrentHashMap<>();
  private final Map<String, Answer> byKey = new ConcurrentHashMap<>();
  private final Map<String, Intent> intents = new ConcurrentHashMap<>();
  private final Map<String, Long> createdAt = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong clock =
      new java.util.concurrent.atomic.AtomicLong(1_796_000_000L);
  private final List<Map<String, String>> creates =
      java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicBoolean loseNext = new AtomicBoolean();
  private final Map<String, Long> refunded = new ConcurrentHashMap<>();
  private final Map<String, Answer> refundsByKey = new ConcurrentHashMap<>();

  private StripeDouble() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/customers/", this::customer);
    server.createContext("/v1/payment_intents", this::paymentIntents);
    server.createContext("/v1/refunds", this::refunds);
    server.createContext("/v1/charges", this::charges);
    server.start();
  }

  public static StripeDouble start() {
    try {
      return new StripeDouble();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Registers a customer whose default payment method is {@code pm} and who pays as scripted. */
  public String customer(String pm, Script script) {
    var id = "cus_double" + ids.incrementAndGet();
    customers.put(id, new Customer(id, pm, null, script));
    return id;
  }

  /** A customer from before PaymentIntents: no default payment method, a default source. */
  public String legacyCustomer(String source, Script script) {
    var id = "cus_double" + ids.incrementAndGet();
    customers.put(id, new Customer(id, null, source, script));
    return id;
  }

  /** The next PaymentIntent is made and stored, but its answer is lost (the connection closes). */
  public void loseNextResponse() {
    loseNext.set(true);
  }

  /** Every create request's form parameters, in order, replays included. */
  public List<Map<String, String>> creates() {
    synchronized (creates) {
      return List.copyOf(creates);
    }
  }

  public List<Intent> intents() {
    return List.copyOf(intents.values());
  }

  /**
   * The customer authenticates the intent on-session (or a processing one settles): it succeeds.
   * Returns the intent as Stripe puts it in {@code payment_intent.succeeded}'s {@code data.object}.
   */
  public String succeed(String intentId) {
    var intent = moveTo(intentId, "succeeded");
    var body = intentBody(intent, null);
    body.put("latest_charge", "ch_of_" + intentId);
    return body.toString();
  }

  /**
   * The customer's authentication failed (or a processing intent was declined): the intent is back
   * to {@code requires_payment_method} with {@code last_payment_error}; returns it as Stripe puts
   * it in {@code payment_intent.payment_failed}'s {@code data.object}.
   */
  public String fail(String intentId, String declineCode) {
    return intentBody(moveTo(intentId, "requires_payment_method"), declineCode).toString();
  }

  private Intent moveTo(String intentId, String status) {
    var intent = intents.get(intentId);
    if (intent == null) {
      throw new IllegalArgumentException("the double made no PaymentIntent " + intentId);
    }
    var moved =
        new Intent(
            intent.id(),
            status,
            intent.amount(),
            intent.currency(),
            intent.customer(),
            intent.paymentMethod(),
            intent.params(),
            intent.idempotencyKey());
    intents.put(intentId, moved);
    return moved;
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void customer(HttpExchange exchange) throws IOException {
    var id = exchange.getRequestURI().getPath().substring("/v1/customers/".length());
    var customer = customers.get(id);
    if (customer == null) {
      send(
          exchange,
          404,
          error("invalid_request_error", "resource_missing", null, "No such customer: '" + id + "'")
              .toString());
      return;
    }
    var body = fixture("customer");
    body.put("id", id);
    body.put("default_source", customer.defaultSource());
    ((ObjectNode) body.get("invoice_settings"))
        .put("default_payment_method", customer.defaultPaymentMethod());
    send(exchange, 200, body.toString());
  }

  private void paymentIntents(HttpExchange exchange) throws IOException {
    var path = exchange.getRequestURI().getPath();
    if ("GET".equals(exchange.getRequestMethod()) && path.startsWith("/v1/payment_intents/")) {
      var intent = intents.get(path.substring("/v1/payment_intents/".length()));
      if (intent == null) {
        send(
            exchange,
            404,
            error("invalid_request_error", "resource_missing", null, "No such payment_intent")
                .toString());
      } else {
        send(exchange, 200, intentBody(intent, null).toString());
      }
      return;
    }
    var params = form(exchange.getRequestBody());
    creates.add(params);
    var key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
    var replay = key == null ? null : byKey.get(key);
    if (replay != null) {
      exchange.getResponseHeaders().add("Idempotent-Replayed", "true");
      send(exchange, replay.status(), replay.body());
      return;
    }
    var answer = create(params, key);
    if (key != null) {
      byKey.put(key, answer);
    }
    if (loseNext.getAndSet(false)) {
      // Processed, answer lost: half the body, then the connection ends. (Closing before any
      // byte is not a lost answer to HttpURLConnection: it sends the POST again by itself.)
      var bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(answer.status(), bytes.length);
      exchange.getResponseBody().write(bytes, 0, bytes.length / 2);
      exchange.getResponseBody().flush();
      exchange.close();
      return;
    }
    send(exchange, answer.status(), answer.body());
  }

  /** Refunds of PaymentIntents: at most what the intent received, replayed by key. */
  private void refunds(HttpExchange exchange) throws IOException {
    var params = form(exchange.getRequestBody());
    var key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
    var replay = key == null ? null : refundsByKey.get(key);
    if (replay != null) {
      exchange.getResponseHeaders().add("Idempotent-Replayed", "true");
      send(exchange, replay.status(), replay.body());
      return;
    }
    Answer answer;
    synchronized (refunded) {
      var intent = intents.get(params.getOrDefault("payment_intent", ""));
      long amount = Long.parseLong(params.getOrDefault("amount", "0"));
      if (intent == null || !"succeeded".equals(intent.status())) {
        answer =
            new Answer(
                404,
                error("invalid_request_error", "resource_missing", null, "No such payment_intent")
                    .toString());
      } else if (refunded.getOrDefault(intent.id(), 0L) + amount > intent.amount()) {
        var err =
            error(
                "invalid_request_error",
                "amount_too_large",
                null,
                "Refund amount is greater than unrefunded amount");
        ((ObjectNode) err.get("error")).put("param", "amount");
        answer = new Answer(400, err.toString());
      } else {
        refunded.merge(intent.id(), amount, Long::sum);
        var body = fixture("refund");
        body.put("id", "re_double" + ids.incrementAndGet());
        body.put("amount", amount);
        body.put("currency", intent.currency());
        body.put("payment_intent", intent.id());
        body.put("charge", "ch_of_" + intent.id());
        body.put("status", "succeeded");
        answer = new Answer(200, body.toString());
      }
    }
    if (key != null) {
      refundsByKey.put(key, answer);
    }
    send(exchange, answer.status(), answer.body());
  }

  /**
   * The charges of succeeded PaymentIntents, newest first, {@code created[gt]}, {@code limit} and
   * {@code starting_after} applied as Stripe applies them.
   */
  private void charges(HttpExchange exchange) throws IOException {
    var query = exchange.getRequestURI().getRawQuery();
    var params = form(new java.io.ByteArrayInputStream((query == null ? "" : query).getBytes(UTF)));
    long after = Long.parseLong(params.getOrDefault("created[gt]", "-1"));
    int limit = Integer.parseInt(params.getOrDefault("limit", "10"));
    boolean expand = params.containsValue("data.payment_intent");
    var succeeded =
        intents.values().stream()
            .filter(i -> "succeeded".equals(i.status()) && createdAt.get(i.id()) > after)
            .sorted(java.util.Comparator.comparing((Intent i) -> createdAt.get(i.id())).reversed())
            .toList();
    int from = 0;
    var start = params.get("starting_after");
    if (start != null) {
      for (int i = 0; i < succeeded.size(); i++) {
        if (("ch_of_" + succeeded.get(i).id()).equals(start)) {
          from = i + 1;
        }
      }
    }
    var page = succeeded.subList(from, Math.min(succeeded.size(), from + limit));
    var body = JSON.createObjectNode();
    body.put("object", "list");
    body.put("url", "/v1/charges");
    body.put("has_more", from + limit < succeeded.size());
    var data = body.putArray("data");
    for (var intent : page) {
      var charge = fixture("charge");
      charge.put("id", "ch_of_" + intent.id());
      charge.put("amount", intent.amount());
      charge.put("amount_captured", intent.amount());
      charge.put("currency", intent.currency());
      charge.put("customer", intent.customer());
      charge.put("created", createdAt.get(intent.id()));
      charge.put("status", "succeeded");
      charge.put("paid", true);
      charge.putObject("metadata");
      if (expand) {
        charge.set("payment_intent", intentBody(intent, null));
      } else {
        charge.put("payment_intent", intent.id());
      }
      data.add(charge);
    }
    send(exchange, 200, body.toString());
  }

  private static final java.nio.charset.Charset UTF = StandardCharsets.UTF_8;

  /** What the double refunded of a PaymentIntent, in its minor units. */
  public long refunded(String paymentIntent) {
    return refunded.getOrDefault(paymentIntent, 0L);
  }

  private Answer create(Map<String, String> params, String key) {
    var customer = customers.get(params.get("customer"));
    if (customer == null) {
      return new Answer(
          400,
          error("invalid_request_error", "resource_missing", null, "No such customer").toString());
    }
    var id = "pi_double" + ids.incrementAndGet();
    var script = customer.script();
    var status =
        switch (script) {
          case Succeeds s -> "succeeded";
          case Declines d -> "requires_payment_method";
          case RequiresAction a -> "requires_action";
          case RequiresPaymentMethod r -> "requires_payment_method";
          case Processing p -> "processing";
        };
    var metadata = new LinkedHashMap<String, String>();
    params.forEach(
        (k, v) -> {
          if (k.startsWith("metadata[")) {
            metadata.put(k.substring("metadata[".length(), k.length() - 1), v);
          }
        });
    var intent =
        new Intent(
            id,
            status,
            Long.parseLong(params.get("amount")),
            params.get("currency"),
            customer.id(),
            params.get("payment_method"),
            Map.copyOf(metadata),
            key);
    intents.put(id, intent);
    createdAt.put(id, clock.incrementAndGet()); // one second apart, as a test wants them ordered
    return switch (script) {
      case Declines d -> {
        var err = error("card_error", "card_declined", d.declineCode(), "Your card was declined.");
        var e = (ObjectNode) err.get("error");
        e.put("advice_code", d.adviceCode());
        e.put("network_advice_code", d.networkAdviceCode());
        e.put("network_decline_code", d.networkDeclineCode());
        e.set("payment_intent", intentBody(intent, null));
        var method = fixture("payment_method");
        ((ObjectNode) method.get("card")).put("brand", d.brand());
        e.set("payment_method", method);
        yield new Answer(402, err.toString());
      }
      case RequiresPaymentMethod r ->
          new Answer(200, intentBody(intent, r.declineCode()).toString());
      case Processing p -> {
        intents.put(
            id,
            new Intent(
                id,
                p.then(),
                intent.amount(),
                intent.currency(),
                intent.customer(),
                intent.paymentMethod(),
                intent.params(),
                key));
        yield new Answer(200, intentBody(intent, null).toString());
      }
      default -> new Answer(200, intentBody(intent, null).toString());
    };
  }

  private static ObjectNode intentBody(Intent intent, String lastDecline) {
    var body = fixture("payment_intent");
    body.put("id", intent.id());
    body.put("status", intent.status());
    body.put("amount", intent.amount());
    body.put("amount_received", "succeeded".equals(intent.status()) ? intent.amount() : 0);
    body.put("currency", intent.currency());
    body.put("customer", intent.customer());
    body.put("payment_method", intent.paymentMethod());
    body.put("client_secret", intent.id() + "_secret_double");
    var metadata = body.putObject("metadata");
    intent.params().forEach(metadata::put);
    if (lastDecline != null) {
      var error = (ObjectNode) body.get("last_payment_error");
      error.put("type", "card_error");
      error.put("code", "card_declined");
      error.put("decline_code", lastDecline);
    } else {
      body.putNull("last_payment_error");
    }
    if (!"requires_action".equals(intent.status())) {
      body.putNull("next_action");
    } else {
      ((ObjectNode) body.get("next_action")).put("type", "use_stripe_sdk");
    }
    return body;
  }

  private static ObjectNode error(String type, String code, String declineCode, String message) {
    var root = JSON.createObjectNode();
    var e = root.putObject("error");
    e.put("type", type);
    e.put("code", code);
    if (declineCode != null) {
      e.put("decline_code", declineCode);
    }
    e.put("message", message);
    return root;
  }

  private static ObjectNode fixture(String resource) {
    return FIXTURES.get("resources").get(resource).deepCopy();
  }

  private static Map<String, String> form(InputStream in) throws IOException {
    var text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    var params = new LinkedHashMap<String, String>();
    for (var pair : text.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      var eq = pair.indexOf('=');
      var name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      var value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.put(name, value);
    }
    return params;
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    var bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.getResponseHeaders().add("Request-Id", "req_double");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static JsonNode load() {
    try (var in = StripeDouble.class.getResourceAsStream("/stripe/fixtures3.json")) {
      if (in == null) {
        throw new IllegalStateException("stripe/fixtures3.json is missing from the test resources");
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
