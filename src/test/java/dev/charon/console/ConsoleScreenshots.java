package dev.charon.console;

import dev.charon.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * {@code CHARON_CONSOLE_SCREENSHOTS=docs/img ./mvnw test -Dtest=ConsoleScreenshots} refreshes the
 * README's pictures from a real run; narrow (390 px) views go to target/browser-screenshots.
 */
@EnabledIfEnvironmentVariable(named = "CHARON_CONSOLE_SCREENSHOTS", matches = ".+")
class ConsoleScreenshots {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  @RegisterExtension static final Browser browser = new Browser();
  static ConsoleStack stack;

  @BeforeAll
  static void start() {
    stack = new ConsoleStack(db);
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void overview_and_invoice_after_this_periods_run() {
    var target = Path.of(System.getenv("CHARON_CONSOLE_SCREENSHOTS"));
    var url = stack.api.url();
    var run =
        stack
            .api
            .operator()
            .post("/rest/v1/billing-runs", "{\"period\":\"" + YearMonth.now(stack.clock) + "\"}")
            .json();
    browser.reset(url);
    browser.driver().get(url + "/#key=" + stack.operatorKey);
    browser
        .await(Duration.ofSeconds(15))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("who-name"), "console-operator"));
    browser.driver().get(url + "/#/runs/" + run.get("id").asText());
    browser
        .await(Duration.ofSeconds(90))
        .until(
            d ->
                "FINISHED"
                    .equals(d.findElement(By.cssSelector(".run")).getAttribute("data-state")));
    browser.driver().get(url + "/#/overview");
    browser.visible(By.cssSelector(".chart canvas"));
    browser.fullPageScreenshot(target.resolve("console-overview.png"), 1280);
    long charged =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select invoice_id from charge_attempt group by invoice_id order by count(*) desc, invoice_id limit 1")
                        .mapTo(Long.class)
                        .one());
    browser.driver().get(url + "/#/invoices/" + charged);
    browser.visible(By.id("timeline"));
    browser.fullPageScreenshot(target.resolve("console-invoice.png"), 1280);
    for (var page : List.of("overview", "needs-action", "invoices/" + charged)) {
      browser.width(390, 844);
      browser.driver().get(url + "/#/" + page);
      browser.visible(By.tagName("h1"));
      browser.fullPageScreenshot(
          Browser.FAILURES.resolve("narrow-" + page.replace('/', '-') + ".png"), 390);
    }
  }
}
