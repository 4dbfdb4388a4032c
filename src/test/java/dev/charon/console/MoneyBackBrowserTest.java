package dev.charon.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.auth.Role;
import dev.charon.charging.domain.Backoff;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.refund.ProviderFacts;
import dev.charon.refund.ProviderFacts.ExternalDispute;
import dev.charon.refund.RefundExecutor;
import dev.charon.refund.domain.RefundPolicy;
import dev.charon.testing.Fixtures;
import dev.charon.testing.ScriptedProvider;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Money back in the console (issue 24), in headless Chromium: an operator refunds a paid invoice
 * through the public API and follows the refund to the provider and back; the invoice page shows
 * refunds, credit notes, disputes, the amount lost in them and the customer's credit balance; open
 * disputes are under Needs action. A refund executor sends refunds to a scripted provider.
 */
class MoneyBackBrowserTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  @RegisterExtension static final Browser browser = new Browser();

  static final Clock clock = Clock.systemUTC();
  static TestApi api;
  static RefundExecutor executor;
  static String operatorKey;
  static String readerKey;

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final ProviderFacts facts =
      new ProviderFacts(db.jdbi(), clock, new SimpleMeterRegistry());

  @BeforeAll
  static void start() {
    db.clean();
    api = TestApi.start(db.jdbi(), clock);
    operatorKey = api.keys().create(Role.OPERATOR, "money-operator").secret();
    readerKey = api.keys().create(Role.READER, "money-reader").secret();
    var soon = new Backoff(Duration.ofMillis(100), Duration.ofMillis(500));
    executor =
        RefundExecutor.create(
                db.jdbi(),
                new ScriptedProvider(),
                new RefundPolicy(soon, soon),
                clock,
                "browser-refunds",
                Duration.ofSeconds(30),
                Duration.ofMillis(50),
                16,
                new SimpleMeterRegistry())
            .start();
  }

  @AfterAll
  static void stop() {
    executor.close();
    api.close();
  }

  @BeforeEach
  void freshTab() {
    browser.reset(api.url());
  }

  /** A PAID invoice whose charge the provider knows as ch_<id>. */
  private long chargedInvoice(long amountMinor) {
    long invoice =
        fixtures.invoice().amount(amountMinor).in(Currency.EUR).status(InvoiceStatus.PAID).create();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    """
                    insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,
                                                outcome, provider_reference, worker, calls, completed_at)
                    values (?, 1, 'key-' || ?, ?, 'EUR', 'CHARGED', 'ch_' || ?, 'w', 1, now())
                    """,
                    invoice,
                    invoice,
                    amountMinor,
                    invoice));
    return invoice;
  }

  private void signedInAs(String key, String name) {
    browser.driver().get(api.url() + "/");
    browser.visible(By.id("api-key")).sendKeys(key);
    browser.driver().findElement(By.id("sign-in")).click();
    browser
        .await(Duration.ofSeconds(15))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("who-name"), name));
  }

  private void open(String hash) {
    browser.driver().get(api.url() + "/#" + hash);
  }

  private void awaitText(String testId, String text) {
    browser
        .await(Duration.ofSeconds(30))
        .until(
            d ->
                d.findElements(By.cssSelector("[data-testid='" + testId + "']")).stream()
                    .anyMatch(e -> e.getText().equals(text)));
  }

  private long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  @Test
  void an_operator_refunds_part_of_a_paid_invoice_and_follows_it_to_the_provider_and_back() {
    long invoice = chargedInvoice(40_00);
    signedInAs(operatorKey, "money-operator");
    open("/invoices/" + invoice);
    assertThat(browser.visible(By.id("refunds-empty")).getText()).isEqualTo("No refund.");
    browser.driver().findElement(By.cssSelector("button[data-action='refund']")).click();
    browser.visible(By.id("refund-amount")).sendKeys("12.50");
    browser.driver().findElement(By.id("refund-reason")).sendKeys("two seats unused");
    browser.driver().findElement(By.id("refund-submit")).click();

    browser
        .await(Duration.ofSeconds(15))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("action-result"), "Refund 1 of 12.50 EUR requested"));
    // The page follows the refund until the provider's answer is recorded.
    awaitText("invoice-status", "PARTIALLY_REFUNDED");
    awaitText("invoice-refunded", "12.50 EUR");
    var refunds = api.reader().get("/rest/v1/invoices/" + invoice + "/refunds").json();
    assertThat(refunds).hasSize(1);
    var refund = refunds.get(0);
    assertThat(refund.get("actor").asText()).isEqualTo("api-key:money-operator");
    assertThat(refund.get("reason").asText()).isEqualTo("two seats unused");
    var rowAt = By.cssSelector("#refunds tr[data-refund-id='" + refund.get("id") + "']");
    browser
        .await(Duration.ofSeconds(15))
        .until(
            d ->
                d.findElement(rowAt)
                    .findElement(By.className("refund-status"))
                    .getText()
                    .equals("SUCCEEDED"));
    refund = api.reader().get("/rest/v1/refunds/" + refund.get("id")).json();
    assertThat(browser.visible(rowAt).getText())
        .contains("12.50 EUR", "two seats unused", refund.get("providerReference").asText());
    var notes = api.reader().get("/rest/v1/invoices/" + invoice + "/credit-notes").json();
    assertThat(notes).hasSize(1);
    var note =
        browser.visible(
            By.cssSelector(
                "#credit-notes tr[data-credit-note-id='" + notes.get(0).get("id") + "']"));
    assertThat(note.findElement(By.className("credit-note-number")).getText())
        .isEqualTo(notes.get(0).get("number").asText())
        .matches("CN-\\d{4}-\\d{6}");
    assertThat(note.getText()).contains("Refund 1", "12.50 EUR");
    // Through the public API with the console's own Idempotency-Key.
    assertThat(
            count(
                "select count(*) from idempotency_key where key like 'console-%' and path = '/rest/v1/invoices/"
                    + invoice
                    + "/refunds'"))
        .isEqualTo(1);

    // More than remains: the API's problem in the dialog, and nothing changes.
    browser.driver().findElement(By.cssSelector("button[data-action='refund']")).click();
    browser.visible(By.id("refund-amount")).sendKeys("30.00");
    browser.driver().findElement(By.id("refund-reason")).sendKeys("too much");
    browser.driver().findElement(By.id("refund-submit")).click();
    var problem = browser.visible(By.cssSelector("#refund-error [role=alert]"));
    assertThat(problem.getText()).contains("remains refundable");
    assertThat(api.reader().get("/rest/v1/invoices/" + invoice + "/refunds").json()).hasSize(1);

    // Corrected in the same dialog: the rest, with the amount left empty.
    browser.driver().findElement(By.id("refund-amount")).clear();
    var reason = browser.driver().findElement(By.id("refund-reason"));
    reason.clear();
    reason.sendKeys("order cancelled");
    browser.driver().findElement(By.id("refund-submit")).click();
    awaitText("invoice-status", "REFUNDED");
    awaitText("invoice-refunded", "40.00 EUR");
    assertThat(browser.driver().findElements(By.cssSelector("button[data-action='refund']")))
        .isEmpty();
    assertThat(count("select sum(amount_minor) from refund where invoice_id = " + invoice))
        .isEqualTo(40_00);
    assertThat(count("select count(*) from credit_note where invoice_id = " + invoice))
        .isEqualTo(2);

    browser
        .await(Duration.ofSeconds(15))
        .until(
            d ->
                d.findElements(By.cssSelector("#refunds .refund-status")).stream()
                    .allMatch(e -> e.getText().equals("SUCCEEDED")));
    // The README's picture with CHARON_CONSOLE_SCREENSHOTS=docs/img (as ConsoleScreenshots).
    var pictures =
        System.getenv().getOrDefault("CHARON_CONSOLE_SCREENSHOTS", "target/browser-screenshots");
    browser.fullPageScreenshot(java.nio.file.Path.of(pictures, "console-refund.png"), 1280);

    // Still fits a phone with both tables on it.
    browser.width(390, 844);
    open("/invoices/" + invoice);
    browser.visible(By.cssSelector("#credit-notes table"));
    long overflow =
        (Long)
            browser
                .driver()
                .executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assertThat(overflow).isLessThanOrEqualTo(0);
  }

  @Test
  void a_reader_sees_refunds_but_no_refund_button() {
    long invoice = chargedInvoice(10_00);
    var requested =
        api.operator()
            .post(
                "/rest/v1/invoices/" + invoice + "/refunds",
                "{\"amount\":{\"value\":\"1.00\",\"currency\":\"EUR\"},\"reason\":\"goodwill\"}");
    assertThat(requested.status()).as(requested.body()).isEqualTo(201);
    signedInAs(readerKey, "money-reader");
    open("/invoices/" + invoice);
    browser.visible(By.cssSelector("#refunds tr[data-refund-id]"));
    assertThat(browser.driver().findElements(By.cssSelector("button[data-action]"))).isEmpty();
  }

  @Test
  void open_disputes_are_under_needs_action_and_a_lost_one_shows_its_amount_on_the_invoice() {
    long invoice = chargedInvoice(25_00);
    var dispute = "dp_console_" + invoice;
    assertThat(
            facts
                .dispute(
                    new ExternalDispute(
                        dispute, invoice, Money.ofMinor(25_00, Currency.EUR), "open", "test"))
                .applied())
        .isTrue();
    signedInAs(readerKey, "money-reader");
    open("/needs-action");
    var section = browser.visible(By.cssSelector("section[data-group='DISPUTED']"));
    var row = section.findElement(By.cssSelector("tr[data-dispute-id]"));
    assertThat(row.getText()).contains(dispute, "#" + invoice, "25.00 EUR", "OPEN");
    row.findElement(By.linkText("#" + invoice)).click();
    awaitText("invoice-status", "DISPUTED");
    assertThat(browser.byTestId("invoice-lost-in-disputes").getText()).isEqualTo("0.00 EUR");

    assertThat(
            facts
                .dispute(
                    new ExternalDispute(
                        dispute, invoice, Money.ofMinor(25_00, Currency.EUR), "lost", "test"))
                .applied())
        .isTrue();
    browser.driver().navigate().refresh();
    awaitText("invoice-lost-in-disputes", "25.00 EUR");
    assertThat(
            browser
                .visible(By.cssSelector("#disputes tr[data-dispute-id] .dispute-status"))
                .getText())
        .isEqualTo("LOST");
    assertThat(
            api.reader()
                .get("/rest/v1/invoices/" + invoice)
                .json()
                .get("lostInDisputesMinor")
                .asLong())
        .isEqualTo(25_00);
    open("/needs-action");
    var after = browser.visible(By.cssSelector("section[data-group='DISPUTED']"));
    assertThat(after.findElements(By.cssSelector("tr[data-dispute-id]"))).isEmpty();
  }

  @Test
  void a_credit_shows_as_a_credit_note_and_on_the_customers_credit_balance() {
    long invoice = chargedInvoice(20_00);
    var credited =
        api.operator()
            .post(
                "/rest/v1/invoices/" + invoice + "/credit-notes",
                "{\"amount\":{\"value\":\"3.00\",\"currency\":\"EUR\"},\"reason\":\"late delivery\"}");
    assertThat(credited.status()).as(credited.body()).isEqualTo(201);
    signedInAs(readerKey, "money-reader");
    open("/invoices/" + invoice);
    awaitText("customer-credit-balance", "3.00 EUR");
    var note = browser.visible(By.cssSelector("#credit-notes tr[data-credit-note-id]"));
    assertThat(note.getText())
        .contains(credited.json().get("number").asText(), "Credit to the balance", "3.00 EUR");
    assertThat(browser.byTestId("invoice-refunded").getText()).isEqualTo("0.00 EUR");
  }
}
