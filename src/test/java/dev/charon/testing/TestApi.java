package dev.charon.testing;

import dev.charon.api.HttpApi;
import dev.charon.app.ApiRole;
import dev.charon.auth.ApiKeys;
import dev.charon.auth.AuthSettings;
import dev.charon.auth.Role;
import dev.charon.billing.BillingSettings;
import dev.charon.clock.ClockMode;
import dev.charon.config.Env;
import dev.charon.config.HttpSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The whole REST API as {@code server} serves it, on a free port over a test database, with one
 * operator and one reader key created for the test.
 */
public final class TestApi implements AutoCloseable {
  private final HttpApi api;
  private final ApiKeys keys;
  private final String operatorKey;
  private final String readerKey;

  private TestApi(HttpApi api, ApiKeys keys, String operatorKey, String readerKey) {
    this.api = api;
    this.keys = keys;
    this.operatorKey = operatorKey;
    this.readerKey = readerKey;
  }

  /** The API, plus {@code extra} modules on the same port as {@code server} adds its ops routes. */
  public static TestApi start(Jdbi jdbi, Clock clock, HttpApi.Module... extra) {
    return start(jdbi, clock, dev.charon.webhooks.WebhookSettings.from(new Env(Map.of())), extra);
  }

  /**
   * The API with these webhook settings (a key to seal endpoint secrets, private addresses allowed
   * or not).
   */
  public static TestApi start(
      Jdbi jdbi,
      Clock clock,
      dev.charon.webhooks.WebhookSettings webhooks,
      HttpApi.Module... extra) {
    return start(jdbi, ClockMode.real(clock), webhooks, extra);
  }

  /**
   * The API in a test-clock deployment's mode, as {@code server} with {@code
   * CHARON_TEST_CLOCK=true}.
   */
  public static TestApi start(Jdbi jdbi, ClockMode mode, HttpApi.Module... extra) {
    return start(jdbi, mode, dev.charon.webhooks.WebhookSettings.from(new Env(Map.of())), extra);
  }

  public static TestApi start(
      Jdbi jdbi,
      ClockMode mode,
      dev.charon.webhooks.WebhookSettings webhooks,
      HttpApi.Module... extra) {
    var clock = mode.clock();
    var env = new Env(Map.of());
    var settings =
        new ApiRole.Settings(
            new HttpSettings("127.0.0.1", 0),
            AuthSettings.from(env),
            BillingSettings.from(env),
            webhooks);
    var keys = new ApiKeys(jdbi, clock);
    var operator = keys.create(Role.OPERATOR, "test-operator").secret();
    var reader = keys.create(Role.READER, "test-reader").secret();
    return new TestApi(
        ApiRole.start(jdbi, settings, mode, new SimpleMeterRegistry(), extra),
        keys,
        operator,
        reader);
  }

  public ApiKeys keys() {
    return keys;
  }

  /** Every route the API serves, as {@code "METHOD /path/{param}"}. */
  public java.util.List<String> routes() {
    return api.routes();
  }

  public String url() {
    return "http://127.0.0.1:" + api.port();
  }

  /** Without any key. */
  public Http anonymous() {
    return new Http(url());
  }

  public Http operator() {
    return anonymous().bearer(operatorKey);
  }

  public Http reader() {
    return anonymous().bearer(readerKey);
  }

  @Override
  public void close() {
    api.close();
  }
}
