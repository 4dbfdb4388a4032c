package dev.charon.console;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by its chromedriver (both installed by {@code .ci/run}), and a
 * JUnit watcher that saves a screenshot of every failing test under target/browser-screenshots.
 */
final class Browser implements AutoCloseable, AfterAllCallback, TestWatcher {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path FAILURES = Path.of("target/browser-screenshots");

  private ChromeDriver driver;

  ChromeDriver driver() {
    if (driver == null) {
      if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
        throw new IllegalStateException(
            "browser tests need "
                + CHROMIUM
                + " and "
                + CHROMEDRIVER
                + ": apt-get install -y chromium chromium-driver (.ci/run does)");
      }
      var options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--disable-dev-shm-usage",
          "--window-size=1280,900");
      var service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(CHROMEDRIVER.toFile())
              .usingAnyFreePort()
              .build();
      driver = new ChromeDriver(service, options);
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }
    return driver;
  }

  WebDriverWait await(Duration timeout) {
    // Live pages re-render every second, so an element found a moment ago may be gone: look again.
    var wait = new WebDriverWait(driver(), timeout, Duration.ofMillis(100));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  WebElement visible(By by) {
    return await(Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  WebElement byTestId(String id) {
    return visible(By.cssSelector("[data-testid='" + id + "']"));
  }

  /** A fresh tab state: no key in session storage, the window at desktop width. */
  void reset(String baseUrl) {
    driver().get(baseUrl + "/console/style.css");
    ((JavascriptExecutor) driver()).executeScript("sessionStorage.clear()");
    width(1280, 900);
  }

  void width(int width, int height) {
    driver().manage().window().setSize(new Dimension(width, height));
  }

  void screenshot(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      File shot = driver().getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The whole page at this width, not only the window: Chromium renders beyond the viewport. */
  @SuppressWarnings("unchecked")
  void fullPageScreenshot(Path file, int width) {
    width(width, 900);
    var metrics = driver().executeCdpCommand("Page.getLayoutMetrics", java.util.Map.of());
    var size = (java.util.Map<String, Object>) metrics.get("cssContentSize");
    long height = Math.min(((Number) size.get("height")).longValue(), 6000);
    var shot =
        driver()
            .executeCdpCommand(
                "Page.captureScreenshot",
                java.util.Map.of(
                    "format",
                    "png",
                    "captureBeyondViewport",
                    true,
                    "clip",
                    java.util.Map.of(
                        "x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, java.util.Base64.getDecoder().decode((String) shot.get("data")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    if (driver != null) {
      screenshot(FAILURES.resolve(context.getRequiredTestMethod().getName() + ".png"));
    }
  }

  /**
   * JUnit does not close an extension registered in a static field: without this every browser test
   * class left its Chromium and chromedriver running after the build (a dozen after three suite
   * runs, 5-6% of this 2-core host's CPU, enough to mark every benchmark window disturbed).
   */
  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    if (driver != null) {
      driver.quit();
      driver = null;
    }
  }
}
