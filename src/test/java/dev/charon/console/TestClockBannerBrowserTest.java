package dev.charon.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.auth.Role;
import dev.charon.clock.ClockMode;
import dev.charon.clock.DatabaseClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The console in headless Chromium on a test-clock deployment: a banner while time is frozen. */
class TestClockBannerBrowserTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  @RegisterExtension static final Browser browser = new Browser();

  @Test
  void the_console_shows_a_banner_while_the_test_clock_is_frozen_and_none_before() {
    db.clean();
    // The API as a server started with CHARON_TEST_CLOCK=true serves it.
    var clock = new DatabaseClock(db.jdbi(), Clock.systemUTC(), Duration.ZERO);
    try (var api = TestApi.start(db.jdbi(), new ClockMode.DatabaseTime(clock))) {
      var key = api.keys().create(Role.OPERATOR, "clock-operator").secret();
      browser.reset(api.url());
      var driver = browser.driver();
      driver.get(api.url() + "/");
      browser.visible(By.id("api-key")).sendKeys(key);
      driver.findElement(By.id("sign-in")).click();
      browser
          .await(Duration.ofSeconds(15))
          .until(
              ExpectedConditions.textToBePresentInElementLocated(
                  By.id("who-name"), "clock-operator"));
      var banner = driver.findElement(By.id("test-clock-banner"));
      assertThat(banner.isDisplayed()).as("real time: no banner").isFalse();

      var frozen = api.operator().post("/rest/v1/test-clock", "{\"at\":\"2027-01-01T00:00:00Z\"}");
      assertThat(frozen.status()).as(frozen.body()).isEqualTo(200);
      driver.navigate().refresh();
      browser
          .await(Duration.ofSeconds(15))
          .until(ExpectedConditions.visibilityOfElementLocated(By.id("test-clock-banner")));
      assertThat(driver.findElement(By.id("test-clock-banner")).getText())
          .isEqualTo("Test clock active: time is frozen at 2027-01-01T00:00:00Z");
    }
  }
}
