package dev.charon.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.charon.auth.Role;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import dev.charon.webhooks.Endpoints;
import dev.charon.webhooks.SecretBox;
import dev.charon.webhooks.UrlGuard;
import dev.charon.webhooks.WebhookDispatcher;
import dev.charon.webhooks.WebhookSecret;
import dev.charon.webhooks.WebhookSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The console's Webhooks page in headless Chromium: endpoints, recent failures, retry. */
class WebhooksConsoleBrowserTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  @RegisterExtension static final Browser browser = new Browser();

  static final AtomicInteger answer = new AtomicInteger(500);
  static HttpServer receiver;
  static TestApi api;
  static WebhookDispatcher dispatcher;
  static String operatorKey;
  static String readerKey;
  static long endpointId;

  @BeforeAll
  static void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/",
        exchange -> {
          try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(answer.get(), -1);
          }
        });
    receiver.start();
    var key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    var settings =
        new WebhookSettings(
            Optional.of(key), true, 4, Duration.ofMillis(100), Duration.ofSeconds(15));
    api = TestApi.start(db.jdbi(), Clock.systemUTC(), settings);
    operatorKey = api.keys().create(Role.OPERATOR, "webhook-operator").secret();
    readerKey = api.keys().create(Role.READER, "webhook-reader").secret();
    var url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/billing";
    endpointId =
        db.jdbi()
            .inTransaction(
                h ->
                    Endpoints.create(
                        h,
                        url,
                        "crm sync",
                        List.of("invoice.paid"),
                        new SecretBox(key).seal(WebhookSecret.generate()),
                        "test",
                        Clock.systemUTC().instant()))
            .id();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "insert into event_outbox (type, subject, data) values ('invoice.paid', 'invoices/42', '{}')"));
    awaitEventsVisible();
    dispatcher =
        new WebhookDispatcher(
                db.jdbi(),
                settings,
                new UrlGuard(true),
                Clock.systemUTC(),
                Clock.systemUTC(),
                new Random(1),
                "console-test",
                new SimpleMeterRegistry())
            .start();
    // The first attempt fails with a 500; the next is 5 s later: the failure is on the page
    // meanwhile.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                db.jdbi()
                        .withHandle(
                            h ->
                                h.createQuery(
                                        "select count(*) from webhook_attempt where status_code = 500")
                                    .mapTo(Long.class)
                                    .one())
                    >= 1);
    answer.set(200);
  }

  @AfterAll
  static void stop() {
    dispatcher.close();
    api.close();
    receiver.stop(0);
  }

  @BeforeEach
  void freshTab() {
    browser.reset(api.url());
  }

  private void openAs(String key) {
    browser.driver().get(api.url() + "/#key=" + key);
    browser.visible(By.id("who-name"));
    browser.driver().get(api.url() + "/#/webhooks");
    browser
        .await(Duration.ofSeconds(15))
        .until(ExpectedConditions.textToBe(By.tagName("h1"), "Webhooks"));
  }

  @Test
  void an_operator_sees_endpoints_and_failures_and_retries_a_delivery() {
    openAs(operatorKey);
    var endpoint = browser.visible(By.cssSelector("tr[data-endpoint-id='" + endpointId + "']"));
    assertThat(endpoint.getText())
        .contains("/billing")
        .contains("invoice.paid")
        .contains("ENABLED")
        .contains("crm sync");
    var failure = browser.visible(By.cssSelector("tr[data-delivery-id]"));
    assertThat(failure.getText()).contains("invoice.paid").contains("500").contains("HTTP 500");
    long deliveryId = Long.parseLong(failure.getAttribute("data-delivery-id"));

    failure.findElement(By.cssSelector("button[data-action='retry-delivery']")).click();
    browser
        .await(Duration.ofSeconds(15))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("webhook-result"), "Delivery #" + deliveryId + " is due again now."));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "DELIVERED"
                    .equals(
                        db.jdbi()
                            .withHandle(
                                h ->
                                    h.createQuery(
                                            "select state from webhook_delivery where id = :id")
                                        .bind("id", deliveryId)
                                        .mapTo(String.class)
                                        .one())));
  }

  @Test
  void an_operator_disables_and_enables_an_endpoint() {
    openAs(operatorKey);
    var row = By.cssSelector("tr[data-endpoint-id='" + endpointId + "']");
    browser.visible(row).findElement(By.cssSelector("button[data-action='disable']")).click();
    browser
        .await(Duration.ofSeconds(15))
        .until(ExpectedConditions.textToBePresentInElementLocated(row, "DISABLED"));
    assertThat(browser.visible(row).getText())
        .contains("disabled in the console by webhook-operator");
    browser.visible(row).findElement(By.cssSelector("button[data-action='enable']")).click();
    browser
        .await(Duration.ofSeconds(15))
        .until(ExpectedConditions.textToBePresentInElementLocated(row, "ENABLED"));
    boolean enabled =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select enabled from webhook_endpoint where id = :id")
                        .bind("id", endpointId)
                        .mapTo(Boolean.class)
                        .one());
    assertThat(enabled).isTrue();
  }

  @Test
  void a_reader_sees_the_page_without_actions() {
    openAs(readerKey);
    browser.visible(By.cssSelector("tr[data-endpoint-id='" + endpointId + "']"));
    assertThat(browser.driver().findElements(By.cssSelector("button[data-action]"))).isEmpty();
  }

  /**
   * Waits until every event is past the feed's horizon: other test classes share this PostgreSQL
   * server, and any writing transaction open there holds events back (docs/architecture.md).
   */
  static void awaitEventsVisible() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                db.jdbi()
                        .withHandle(
                            h ->
                                h.createQuery(
                                        "select count(*) from event_outbox where not ("
                                            + dev.charon.events.EventFeed.VISIBLE
                                            + ")")
                                    .mapTo(Long.class)
                                    .one())
                    == 0);
  }
}
