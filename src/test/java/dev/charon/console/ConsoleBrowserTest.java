package dev.charon.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The console in headless Chromium against {@link ConsoleStack}: the API as {@code server} serves
 * it, with a billing scheduler and an in-process worker charging through the simulator.
 */
class ConsoleBrowserTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  @RegisterExtension static final Browser browser = new Browser();

  static ConsoleStack stack;
  static Clock clock;
  static TestApi api;
  static String readerKey;
  static String operatorKey;

  private final Fixtures fixtures = new Fixtures(db.jdbi());

  @BeforeAll
  static void start() {
    stack = new ConsoleStack(db);
    clock = stack.clock;
    api = stack.api;
    readerKey = stack.readerKey;
    operatorKey = stack.operatorKey;
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @BeforeEach
  void freshTab() {
    browser.reset(api.url());
  }

  private void signIn(String key) {
    var driver = browser.driver();
    driver.get(api.url() + "/");
    browser.visible(By.id("api-key")).sendKeys(key);
    driver.findElement(By.id("sign-in")).click();
  }

  private void signedInAs(String key, String name) {
    signIn(key);
    browser
        .await(Duration.ofSeconds(15))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("who-name"), name));
  }

  private void open(String hash) {
    browser.driver().get(api.url() + "/#" + hash);
  }

  @Test
  void an_operator_signs_in_with_a_key_and_sees_the_overview() {
    signedInAs(operatorKey, "console-operator (operator)");
    assertThat(browser.visible(By.tagName("h1")).getText()).isEqualTo("Overview");
    assertThat(browser.driver().findElement(By.id("nav")).isDisplayed()).isTrue();
  }

  @Test
  void the_key_field_has_focus_and_enter_signs_in_without_a_mouse() {
    browser.driver().get(api.url() + "/");
    browser.visible(By.id("api-key"));
    var focused = browser.driver().switchTo().activeElement();
    assertThat(focused.getAttribute("id")).isEqualTo("api-key");
    assertThat(browser.driver().findElement(By.cssSelector("label[for='api-key']")).getText())
        .isEqualTo("API key");
    focused.sendKeys(operatorKey, Keys.ENTER);
    browser
        .await(Duration.ofSeconds(15))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("who-name"), "console-operator"));
    // Every form control on the pages has a label.
    for (var page : List.of("/invoices", "/runs")) {
      open(page);
      browser.visible(By.cssSelector("form"));
      assertThat(browser.driver().findElements(By.cssSelector("input, select, textarea")))
          .allSatisfy(
              control ->
                  assertThat(
                          browser
                              .driver()
                              .findElements(
                                  By.cssSelector(
                                      "label[for='" + control.getAttribute("id") + "']")))
                      .as(control.getAttribute("id"))
                      .hasSize(1));
    }
  }

  @Test
  void every_page_fits_a_390_px_phone_without_sideways_scrolling() {
    long invoice = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    signedInAs(operatorKey, "console-operator");
    browser.width(390, 844);
    for (var page :
        List.of("/overview", "/invoices", "/invoices/" + invoice, "/needs-action", "/runs")) {
      open(page);
      browser.visible(By.tagName("h1"));
      browser
          .await(Duration.ofSeconds(10))
          .until(d -> !d.findElements(By.cssSelector("table, .empty, .run")).isEmpty());
      long overflow =
          (Long)
              browser
                  .driver()
                  .executeScript(
                      "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
      assertThat(overflow).as(page).isLessThanOrEqualTo(0);
    }
  }

  @Test
  void the_demo_link_signs_in_and_takes_the_key_out_of_the_address_bar() {
    browser.driver().get(api.url() + "/#key=" + operatorKey);
    browser
        .await(Duration.ofSeconds(15))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("who-name"), "console-operator"));
    assertThat(browser.driver().getCurrentUrl()).doesNotContain("chk_").endsWith("#/overview");
  }

  @Test
  void a_wrong_key_shows_a_clear_error_and_no_console() {
    signIn("chk_this-key-does-not-exist");
    var alert = browser.visible(By.cssSelector("#sign-in-error [role=alert]"));
    assertThat(alert.findElement(By.className("problem-title")).getText())
        .isEqualTo("Unauthorized");
    assertThat(alert.findElement(By.className("problem-detail")).getText())
        .isEqualTo("The API key is unknown or revoked");
    assertThat(browser.driver().findElement(By.id("nav")).isDisplayed()).isFalse();
  }

  @Test
  void the_overviews_numbers_equal_the_apis() {
    signedInAs(readerKey, "console-reader");
    open("/overview");
    browser.byTestId("needs-action-count");
    // Wait for whatever run the page shows to settle, so page and API are read at the same moment.
    browser
        .await(Duration.ofSeconds(60))
        .until(
            d -> {
              var runs = d.findElements(By.cssSelector(".run[data-state]"));
              return runs.isEmpty()
                  || "FINISHED".equals(runs.getFirst().getAttribute("data-state"));
            });
    open("/invoices");
    open("/overview");
    var count = browser.byTestId("needs-action-count").getText();
    var collection = api.reader().get("/rest/v1/collection?periods=12").json();
    assertThat(count).isEqualTo(collection.get("needsAction").asText());
    var current = collection.get("periods").get(11);
    current
        .get("collected")
        .properties()
        .forEach(
            e ->
                assertThat(plain(browser.byTestId("collected-" + e.getKey()).getText()))
                    .isEqualTo(e.getValue().asText() + " " + e.getKey()));
    var rows = browser.driver().findElements(By.cssSelector("tr[data-period]"));
    assertThat(rows).hasSize(12);
    for (int i = 0; i < 12; i++) {
      var period = collection.get("periods").get(i);
      var cells = rows.get(i).findElements(By.tagName("td"));
      assertThat(rows.get(i).getAttribute("data-period")).isEqualTo(period.get("period").asText());
      assertThat(cells.get(0).getText()).isEqualTo(period.get("invoices").asText());
      assertThat(cells.get(1).getText()).isEqualTo(period.get("paid").asText());
    }
    assertThat(browser.driver().findElements(By.cssSelector(".chart canvas"))).isNotEmpty();
    var shown = browser.driver().findElements(By.cssSelector(".run[data-run-id]"));
    if (!shown.isEmpty()) {
      var run =
          api.reader()
              .get("/rest/v1/billing-runs/" + shown.getFirst().getAttribute("data-run-id"))
              .json();
      assertThat(browser.byTestId("run-invoices").getText())
          .isEqualTo(run.get("progress").get("invoices").asText());
      assertThat(browser.byTestId("run-settled").getText())
          .isEqualTo(run.get("progress").get("settled").asText());
      run.get("progress")
          .get("byStatus")
          .properties()
          .forEach(
              e ->
                  assertThat(browser.byTestId("run-status-" + e.getKey()).getText())
                      .isEqualTo(e.getValue().asText()));
    }
  }

  @Test
  void a_run_started_from_the_form_shows_progress_and_finishes() {
    var period = YearMonth.now(clock);
    signedInAs(operatorKey, "console-operator");
    open("/runs");
    var input = browser.visible(By.id("run-period"));
    input.clear();
    input.sendKeys(period.toString());
    browser.driver().findElement(By.id("start-run")).click();
    browser.await(Duration.ofSeconds(15)).until(ExpectedConditions.urlMatches("#/runs/\\d+"));
    var progress = browser.visible(By.cssSelector(".run progress"));
    assertThat(progress.getAttribute("aria-label")).contains("invoices settled");
    browser
        .await(Duration.ofSeconds(90))
        .until(
            d ->
                "FINISHED"
                    .equals(d.findElement(By.cssSelector(".run")).getAttribute("data-state")));
    var runId = browser.driver().findElement(By.cssSelector(".run")).getAttribute("data-run-id");
    var run = api.reader().get("/rest/v1/billing-runs/" + runId).json();
    assertThat(run.get("state").asText()).isEqualTo("FINISHED");
    assertThat(run.get("period").asText()).isEqualTo(period.toString());
    assertThat(browser.byTestId("run-settled").getText())
        .isEqualTo(run.get("progress").get("settled").asText());
    assertThat(browser.byTestId("run-percent").getText()).isEqualTo("100%");

    // The same period again joins the run instead of starting another.
    open("/runs");
    browser.visible(By.id("start-run")).click();
    assertThat(browser.visible(By.id("run-notice")).getText()).contains("already has run " + runId);
  }

  @Test
  void an_invoices_timeline_matches_its_history() {
    long invoice =
        fixtures
            .invoice()
            .in(Currency.EUR)
            .amount(42_00)
            .status(InvoiceStatus.ACTION_REQUIRED)
            .create();
    var voided =
        api.operator()
            .post(
                "/rest/v1/invoices/" + invoice + "/void",
                "{\"reason\":\"customer left before billing\"}");
    assertThat(voided.status()).as(voided.body()).isEqualTo(200);
    signedInAs(readerKey, "console-reader");
    open("/invoices/" + invoice);
    browser.visible(By.id("timeline"));
    assertThat(browser.byTestId("invoice-amount").getText()).isEqualTo("42.00 EUR");
    assertThat(browser.byTestId("invoice-status").getText()).isEqualTo("VOID");
    JsonNode history = api.reader().get("/rest/v1/invoices/" + invoice + "/history").json();
    List<WebElement> items = browser.driver().findElements(By.cssSelector("#timeline > li"));
    assertThat(items).hasSize(history.size()).hasSizeGreaterThanOrEqualTo(2);
    for (int i = 0; i < history.size(); i++) {
      var entry = history.get(i);
      var item = items.get(i);
      assertThat(item.getAttribute("data-history-id")).isEqualTo(entry.get("id").asText());
      assertThat(item.findElement(By.className("what")).getText())
          .endsWith(entry.get("newStatus").asText());
      if (!entry.get("oldStatus").isNull()) {
        assertThat(item.findElement(By.className("what")).getText())
            .startsWith(entry.get("oldStatus").asText());
      }
      assertThat(item.findElement(By.className("actor")).getText())
          .isEqualTo(entry.get("actor").asText());
      assertThat(item.findElement(By.tagName("time")).getAttribute("datetime"))
          .isEqualTo(entry.get("at").asText());
    }
    assertThat(items.getLast().findElement(By.className("why")).getText())
        .isEqualTo(history.get(history.size() - 1).get("reason").asText())
        .contains("customer left before billing");
  }

  @Test
  void an_invoice_shows_the_provider_customer_it_is_charged_to() {
    long invoice = fixtures.invoice().in(Currency.EUR).create();
    long customer =
        api.reader().get("/rest/v1/invoices/" + invoice).json().get("customerId").asLong();
    signedInAs(readerKey, "console-reader");
    open("/invoices/" + invoice);
    assertThat(browser.byTestId("customer-provider-reference").getText()).isEqualTo("not mapped");

    var mapped =
        api.operator()
            .send(
                "PATCH",
                "/rest/v1/customers/" + customer,
                "{\"providerReference\":\"cus_Console42\"}",
                "application/json");
    assertThat(mapped.status()).as(mapped.body()).isEqualTo(200);
    browser.driver().navigate().refresh();
    browser
        .await(Duration.ofSeconds(30))
        .until(
            d -> "cus_Console42".equals(browser.byTestId("customer-provider-reference").getText()));
    assertThat(browser.byTestId("customer-provider-reference").getText())
        .isEqualTo("cus_Console42");
  }

  @Test
  void a_reader_sees_no_action_buttons() {
    long invoice = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    signedInAs(readerKey, "console-reader (reader)");
    open("/needs-action");
    browser.visible(By.cssSelector("tr[data-invoice-id='" + invoice + "']"));
    assertThat(browser.driver().findElements(By.cssSelector("button[data-action]"))).isEmpty();
    open("/invoices/" + invoice);
    browser.visible(By.id("timeline"));
    assertThat(browser.driver().findElements(By.cssSelector("button[data-action]"))).isEmpty();
    open("/runs");
    browser.visible(By.tagName("h1"));
    browser
        .await(Duration.ofSeconds(10))
        .until(d -> !d.findElements(By.cssSelector("table, .empty")).isEmpty());
    assertThat(browser.driver().findElements(By.id("start-run"))).isEmpty();
  }

  @Test
  void an_operator_retries_a_needs_action_invoice_with_a_reason_and_sees_its_new_state() {
    long invoice = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    signedInAs(operatorKey, "console-operator");
    open("/needs-action");
    var row = browser.visible(By.cssSelector("tr[data-invoice-id='" + invoice + "']"));
    row.findElement(By.cssSelector("button[data-action='retry']")).click();
    var reason = browser.visible(By.id("action-reason"));
    reason.sendKeys("customer id fixed at the provider");
    browser.driver().findElement(By.cssSelector("dialog button[type=submit]")).click();
    browser
        .await(Duration.ofSeconds(15))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("action-result"), "Invoice #" + invoice + " is now RETRY_SCHEDULED."));
    var status =
        browser
            .driver()
            .findElement(By.cssSelector("tr[data-invoice-id='" + invoice + "'] .status-cell"))
            .getText();
    assertThat(status).isEqualTo("RETRY_SCHEDULED");
    var history = api.reader().get("/rest/v1/invoices/" + invoice + "/history").json();
    var last = history.get(history.size() - 1);
    assertThat(last.get("reason").asText()).endsWith("customer id fixed at the provider");
    assertThat(last.get("actor").asText()).isEqualTo("api-key:console-operator");
  }

  @Test
  void the_invoice_list_filters_by_status_and_pages_with_the_apis_cursor() {
    signedInAs(readerKey, "console-reader");
    open("/invoices");
    new org.openqa.selenium.support.ui.Select(browser.visible(By.id("filter-status")))
        .selectByValue("PAID");
    browser
        .driver()
        .findElement(By.id("filter-period"))
        .sendKeys(YearMonth.now(clock).minusMonths(1).toString());
    browser.driver().findElement(By.cssSelector("form.filters button[type=submit]")).click();
    browser.await(Duration.ofSeconds(15)).until(ExpectedConditions.urlContains("status=PAID"));
    browser
        .await(Duration.ofSeconds(15))
        .until(d -> d.findElements(By.cssSelector("tr[data-invoice-id]")).size() == 40);
    assertThat(browser.driver().findElements(By.cssSelector("tr[data-invoice-id] .status-cell")))
        .allSatisfy(cell -> assertThat(cell.getText()).isEqualTo("PAID"));
    assertThat(browser.driver().findElements(By.id("next-page"))).isEmpty();

    open("/invoices?status=PAID");
    browser
        .await(Duration.ofSeconds(15))
        .until(d -> d.findElements(By.cssSelector("tr[data-invoice-id]")).size() == 50);
    var firstPage = browser.driver().findElements(By.cssSelector("tr[data-invoice-id]"));
    long lastOnFirst = Long.parseLong(firstPage.getLast().getAttribute("data-invoice-id"));
    browser.visible(By.id("next-page")).click();
    browser.await(Duration.ofSeconds(15)).until(ExpectedConditions.urlContains("cursor="));
    browser
        .await(Duration.ofSeconds(15))
        .until(
            d -> {
              var rows = d.findElements(By.cssSelector("tr[data-invoice-id]"));
              return !rows.isEmpty()
                  && Long.parseLong(rows.getFirst().getAttribute("data-invoice-id")) > lastOnFirst;
            });

    open("/invoices?period=2026-13");
    var expected = api.reader().get("/rest/v1/invoices?limit=50&period=2026-13").json();
    var alert = browser.visible(By.cssSelector(".problem[role=alert]"));
    assertThat(alert.findElement(By.className("problem-title")).getText())
        .isEqualTo(expected.get("title").asText());
    assertThat(alert.getText()).contains("period");
  }

  private static String plain(String shown) {
    return shown.replace(",", "");
  }
}
