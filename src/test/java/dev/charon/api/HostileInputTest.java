package dev.charon.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.seed.Seeder;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Thousands of malformed, oversized, mistyped and injection-laden requests against every route over
 * real HTTP, with every kind of key: none may answer 5xx, every error must be problem+json, and the
 * database must be exactly as it was. Every generated write carries at least one defect (an invalid
 * value or an unknown field), so a request that changed anything is a bug.
 */
class HostileInputTest {
  static final TestDatabase db = new TestDatabase();
  static final ObjectMapper JSON = new ObjectMapper();
  static TestApi api;
  static String before;

  static final List<String> ROUTES =
      List.of(
          "/rest/v1/customers",
          "/rest/v1/customers/{id}",
          "/rest/v1/invoices",
          "/rest/v1/invoices/{id}",
          "/rest/v1/invoices/{id}/history",
          "/rest/v1/invoices/{id}/retry",
          "/rest/v1/invoices/{id}/void",
          "/rest/v1/invoices/{id}/mark-uncollectible",
          "/rest/v1/billing-runs",
          "/rest/v1/billing-runs/{id}",
          "/rest/v1/events",
          "/rest/health",
          "/health/ready",
          "/metrics",
          "/rest/v1/nothing-here",
          "/");

  static final List<String> NASTY =
      List.of(
          "' or '1'='1",
          "1; drop table invoice; --",
          "\") ; delete from customer; --",
          "%00",
          "\u0000",
          "../../etc/passwd",
          "<script>alert(1)</script>",
          "${jndi:ldap://x/a}",
          "{{7*7}}",
          "-1",
          "0",
          "99999999999999999999",
          "1e309",
          "NaN",
          "１２",
          "\uD83D\uDCB8",
          "\u202Eabc",
          " ",
          "",
          "null",
          "true",
          "[]",
          "{}",
          "12.345.6",
          "0x10",
          "2026-13",
          "2026-02-30",
          "9999-99",
          "EURO",
          "eur ",
          "€",
          "x".repeat(300),
          "\t\n",
          "ﬀ",
          "İ",
          "a\u0301");

  @BeforeContainer
  static void start() throws Exception {
    db.beforeAll(null);
    new Seeder(db.jdbi(), Clock.fixed(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC))
        .seed(20, 3, 0.3);
    var fixtures = new Fixtures(db.jdbi());
    fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    fixtures.invoice().status(InvoiceStatus.PAID).create();
    api = TestApi.start(db.jdbi(), Clock.systemUTC());
    before = snapshot();
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      assertThat(snapshot()).as("the database after every hostile request").isEqualTo(before);
    } finally {
      api.close();
      db.afterAll(null);
    }
  }

  record Attempt(
      String method,
      String path,
      String contentType,
      String body,
      String auth,
      String idempotencyKey) {}

  @Property(tries = 2500, seed = "20261124")
  void no_hostile_request_gets_a_5xx_or_a_non_problem_error_or_changes_anything(
      @ForAll("attempts") Attempt attempt) throws Exception {
    // A large body is announced first: a route that refuses it (405, 401, 413) answers without
    // reading it and closes, and a client still uploading may lose that answer to the reset.
    var response =
        attempt.body() != null
                && attempt.body().getBytes(StandardCharsets.UTF_8).length > LARGE_BODY_BYTES
            ? askFirst(attempt)
            : send(attempt);
    var described = attempt + " -> " + response.status() + " " + response.body();
    Statistics.label("status").collect(response.status());
    assertThat(response.status()).as(described).isLessThan(500);
    if (attempt.method().equals("POST")
        && response.status() < 300
        && !attempt.path().startsWith("/rest/health")) {
      throw new AssertionError("a defective write succeeded: " + described);
    }
    if (response.status() >= 400) {
      assertThat(response.contentType()).as(described).startsWith("application/problem+json");
      var problem = JSON.readTree(response.body());
      assertThat(problem.get("status").asInt()).as(described).isEqualTo(response.status());
      assertThat(problem.get("title").asText()).as(described).isNotBlank();
      assertThat(problem.get("detail").asText())
          .as(described)
          .isNotBlank()
          .doesNotContain("Exception")
          .doesNotContain("at dev.charon");
    }
  }

  /** Bodies above this may not fit the socket buffers at once; well under the 64 KiB limit. */
  private static final int LARGE_BODY_BYTES = 8 * 1024;

  /** What the assertions look at, however the request was made. */
  record Exchange(int status, String contentType, String body) {}

  private Exchange send(Attempt attempt) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(api.url() + attempt.path()));
    request.method(
        attempt.method(),
        attempt.body() == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(attempt.body()));
    headers(attempt).forEach(request::header);
    try (var client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build()) {
      var raw =
          client.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      return new Exchange(
          raw.statusCode(), raw.headers().firstValue("Content-Type").orElse(""), raw.body());
    }
  }

  /**
   * A large body may be refused unread (over the limit, or by a route that takes no body), and the
   * connection closed; a client still uploading may then lose the response to a reset. So this one
   * asks first, as well-behaved clients do for large bodies: headers with {@code Expect:
   * 100-continue}, the body only if the server says to go on, then the response. Over a plain
   * socket, because the JDK client sends the body anyway when the 100 is slow to come.
   */
  private Exchange askFirst(Attempt attempt) throws Exception {
    var uri = URI.create(api.url() + attempt.path());
    var body = attempt.body().getBytes(StandardCharsets.UTF_8);
    try (var socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(30_000);
      var head =
          new StringBuilder()
              .append(attempt.method())
              .append(' ')
              .append(uri.getRawPath())
              .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
              .append(" HTTP/1.1\r\n")
              .append("Host: ")
              .append(uri.getHost())
              .append(':')
              .append(uri.getPort())
              .append("\r\n")
              .append("Content-Length: ")
              .append(body.length)
              .append("\r\n")
              .append("Expect: 100-continue\r\nConnection: close\r\n");
      headers(attempt)
          .forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
      var out = socket.getOutputStream();
      out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      var in = new java.io.BufferedInputStream(socket.getInputStream());
      var response = readHead(in);
      if (response.status() == 100) {
        out.write(body);
        out.flush();
        response = readHead(in);
      }
      int length = Integer.parseInt(response.headers().getOrDefault("content-length", "-1"));
      var content = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
      return new Exchange(
          response.status(),
          response.headers().getOrDefault("content-type", ""),
          new String(content, StandardCharsets.UTF_8));
    }
  }

  private record Head(int status, Map<String, String> headers) {}

  private static Head readHead(java.io.InputStream in) throws java.io.IOException {
    var statusLine = readLine(in);
    if (statusLine.isEmpty()) {
      throw new java.io.IOException("the server closed the connection without a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    var headers = new TreeMap<String, String>();
    for (String line; !(line = readLine(in)).isEmpty(); ) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    return new Head(status, headers);
  }

  private static String readLine(java.io.InputStream in) throws java.io.IOException {
    var line = new java.io.ByteArrayOutputStream();
    for (int b; (b = in.read()) != -1 && b != '\n'; ) {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private static Map<String, String> headers(Attempt attempt) {
    var headers = new TreeMap<String, String>();
    if (attempt.contentType() != null) {
      headers.put("Content-Type", attempt.contentType());
    }
    if (attempt.auth() != null) {
      headers.put("Authorization", attempt.auth());
    }
    if (attempt.idempotencyKey() != null) {
      headers.put("Idempotency-Key", attempt.idempotencyKey());
    }
    return headers;
  }

  @Provide
  Arbitrary<Attempt> attempts() {
    var method =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(2, Arbitraries.just("GET")),
            net.jqwik.api.Tuple.of(6, Arbitraries.just("POST")),
            net.jqwik.api.Tuple.of(1, Arbitraries.of("PUT", "DELETE", "PATCH")));
    var path =
        Combinators.combine(Arbitraries.of(ROUTES), nasty(), query())
            .as((route, id, query) -> route.replace("{id}", encode(id)) + query);
    var contentType =
        Arbitraries.of(
                "application/json",
                "application/json; charset=utf-8",
                "text/plain",
                "application/xml",
                "application/json; charset=latin1",
                "multipart/form-data; boundary=x",
                "*/*")
            .injectNull(0.1);
    // Mostly an operator, so that most requests get past access and reach parsing and validation.
    var auth =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, Arbitraries.just("operator")),
            net.jqwik.api.Tuple.of(1, Arbitraries.just("reader")),
            net.jqwik.api.Tuple.of(1, Arbitraries.of("none", "garbage", "bearer-nasty")));
    // Only what an HTTP client can put in a header at all (no control characters, Latin-1).
    var key =
        Arbitraries.oneOf(
                Arbitraries.strings().ofMinLength(1).ofMaxLength(300),
                nasty(),
                Arbitraries.just("same-key"))
            .filter(
                k -> !k.isEmpty() && k.chars().allMatch(c -> c >= 0x21 && c <= 0xff && c != 0x7f))
            .injectNull(0.6);
    return Combinators.combine(method, path, contentType, body(), auth, key)
        .as((m, p, ct, b, a, k) -> new Attempt(m, p, ct, b, authHeader(a), k));
  }

  private String authHeader(String kind) {
    return switch (kind) {
      case "operator" -> "Bearer " + operatorSecret();
      case "reader" -> "Bearer " + readerSecret();
      case "garbage" -> "Bearer chk_" + "A".repeat(43);
      case "bearer-nasty" -> "Bearer ' or 1=1 --";
      default -> null;
    };
  }

  private static String operatorSecret() {
    return api.operator().headerValue("Authorization").substring(7);
  }

  private static String readerSecret() {
    return api.reader().headerValue("Authorization").substring(7);
  }

  private static Arbitrary<String> nasty() {
    return Arbitraries.oneOf(
        Arbitraries.of(NASTY),
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.longs().map(String::valueOf));
  }

  private static Arbitrary<String> query() {
    var name =
        Arbitraries.of(
            "limit",
            "cursor",
            "status",
            "customerId",
            "period",
            "currency",
            "after",
            "sort",
            "limit[]",
            "");
    var pair = Combinators.combine(name, nasty()).as((n, v) -> encode(n) + "=" + encode(v));
    return pair.list()
        .ofMaxSize(4)
        .map(pairs -> pairs.isEmpty() ? "" : "?" + String.join("&", pairs));
  }

  /**
   * Bodies that are all defective: broken JSON, wrong shapes, or objects with at least one bad
   * field.
   */
  private static Arbitrary<String> body() {
    var broken =
        Arbitraries.of(
            "",
            "{",
            "}",
            "[",
            "{\"a\":}",
            "{'currency':'EUR'}",
            "nul",
            "{\"period\":\"2026-11\"} {}",
            "{\"currency\":\"EUR\",\"currency\":\"USD\"}",
            "\u0000",
            "[{\"currency\":\"EUR\"}]",
            "\"EUR\"",
            "42",
            "true");
    var deep =
        Arbitraries.integers()
            .between(9, 2000)
            .map(n -> "{\"a\":" + "[".repeat(n) + "]".repeat(n) + "}");
    var huge =
        Arbitraries.integers()
            .between(10_001, 100_000)
            .map(n -> "{\"name\":\"" + "x".repeat(n) + "\",\"currency\":1}");
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(1, Arbitraries.just((String) null)),
        net.jqwik.api.Tuple.of(2, broken),
        net.jqwik.api.Tuple.of(1, deep),
        net.jqwik.api.Tuple.of(2, huge),
        net.jqwik.api.Tuple.of(8, defectiveObject()));
  }

  /**
   * A JSON object from every write route's field names, where at least one field is certainly
   * invalid for every route: a name no route accepts, or a known field with a value no validator
   * takes.
   */
  private static Arbitrary<String> defectiveObject() {
    var invalidValue =
        Arbitraries.oneOf(
            Arbitraries.of(NASTY)
                .filter(v -> !v.isBlank() ? !v.matches("[0-9]{4}-(0[1-9]|1[0-2])") : true)
                .map(v -> (Object) v),
            Arbitraries.of(-1, 0, 12.5, true, false).map(v -> (Object) v),
            Arbitraries.just((Object) List.of(1, 2)),
            Arbitraries.just((Object) Map.of("value", "1.999", "currency", "EURO")),
            Arbitraries.just((Object) Map.of("$where", "1=1")));
    var anyValue =
        Arbitraries.oneOf(
            invalidValue,
            Arbitraries.of("EUR", "2026-11", "12.50", "a reason").map(v -> (Object) v),
            Arbitraries.longs().between(1, 100).map(v -> (Object) v));
    var known =
        Arbitraries.of(
            "currency",
            "name",
            "customerId",
            "amount",
            "billingPeriod",
            "dueDate",
            "reason",
            "period");
    var unknown =
        Arbitraries.of(
            "__proto__",
            "constructor",
            "id",
            "status",
            "paidAt",
            "'; drop table invoice; --",
            "amount.value",
            "ᴀᴍᴏᴜɴᴛ",
            "");
    var defect =
        Arbitraries.oneOf(
            Combinators.combine(unknown, anyValue).as((k, v) -> Map.entry(k, v)),
            Combinators.combine(
                    Arbitraries.of(
                        "currency", "customerId", "amount", "billingPeriod", "dueDate", "period"),
                    invalidValue)
                .as((k, v) -> Map.entry(k, v)));
    var others =
        Combinators.combine(known, anyValue).as((k, v) -> Map.entry(k, v)).list().ofMaxSize(5);
    return Combinators.combine(defect, others)
        .as(
            (bad, rest) -> {
              var fields = new TreeMap<String, Object>();
              rest.forEach(e -> fields.put(e.getKey(), e.getValue()));
              fields.put(
                  bad.getKey(),
                  bad.getValue()); // the defect wins over a valid value of the same name
              try {
                return JSON.writeValueAsString(fields);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** Every row of every table Charon writes, in a stable order, as one string. */
  private static String snapshot() {
    return db.jdbi()
        .withHandle(
            h -> {
              var tables =
                  h.createQuery(
                          "select tablename from pg_tables where schemaname = 'public' order by tablename")
                      .mapTo(String.class)
                      .list();
              var all = new StringBuilder();
              for (var table : tables) {
                all.append(table)
                    .append(':')
                    .append(
                        h.createQuery(
                                "select coalesce(md5(string_agg(t::text, '|' order by t::text)), 'empty') from "
                                    + table
                                    + " t")
                            .mapTo(String.class)
                            .one())
                    .append('\n');
              }
              return all.toString();
            });
  }
}
