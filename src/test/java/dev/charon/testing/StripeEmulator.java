package dev.charon.testing;

import static org.awaitility.Awaitility.await;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.Charge;
import com.stripe.model.Refund;
import com.stripe.param.ChargeListParams;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.RefundListParams;
import dev.charon.payment.stripe.StripeApi;
import dev.charon.payment.stripe.StripeSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An independent Stripe emulator, {@code stripe-stateful-mock} from the npm registry (version
 * pinned in src/test/stripe-mock/package-lock.json), run with the machine's Node.js on a free port.
 * It is installed into target/stripe-mock by the tests' prerequisites script; when it is missing (a
 * single test run from an IDE) this fixture installs it the same way, from the lockfile.
 *
 * <p>What it emulates (read from its source, 0.0.16): charges on a customer's default card,
 * customers with cards from test tokens (tok_visa, tok_chargeDeclined*, ...), idempotency keys
 * (first result replayed with {@code Idempotent-Replayed: true}, other parameters answered 400
 * {@code idempotency_error}), charge listing with {@code starting_after} pagination, and {@code
 * tok_500}/{@code tok_429} (for token charges only, not customer charges). Its state lives in the
 * process: each fixture is a fresh Stripe account.
 */
public final class StripeEmulator implements AutoCloseable {
  public static final String API_KEY = "sk_test_charon_emulator";
  private static final Path SOURCE = Path.of("src/test/stripe-mock");
  private static final Path INSTALL = Path.of("target/stripe-mock");
  private static final String CLI = "node_modules/stripe-stateful-mock/dist/cli.js";

  private final Process process;
  private final int port;
  private final Path log;

  private StripeEmulator(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  public static StripeEmulator start() {
    var root = CharonProcess.projectRoot();
    var install = install(root);
    int port = CharonProcess.freePort();
    try {
      var log =
          Files.createDirectories(root.resolve("target/process-logs"))
              .resolve("stripe-mock-" + port + ".log");
      var builder =
          new ProcessBuilder("node", install.resolve(CLI).toString()).redirectErrorStream(true);
      builder.redirectOutput(log.toFile());
      builder.environment().put("PORT", String.valueOf(port));
      builder.environment().put("LOG_LEVEL", "warn");
      var emulator = new StripeEmulator(builder.start(), port, log);
      var http = HttpClient.newHttpClient();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .failFast("stripe-stateful-mock exited; see " + log, () -> !emulator.process.isAlive())
          // Any answer means it listens; without a key it answers 401.
          .until(
              () ->
                  http.send(
                              HttpRequest.newBuilder(URI.create(emulator.url() + "/v1/charges"))
                                  .build(),
                              HttpResponse.BodyHandlers.discarding())
                          .statusCode()
                      == 401);
      return emulator;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Installs the pinned emulator into target/stripe-mock unless it is there already. */
  static synchronized Path install(Path root) {
    var target = root.resolve(INSTALL);
    if (Files.exists(target.resolve(CLI))) {
      return target;
    }
    try {
      Files.createDirectories(target);
      for (var file : List.of("package.json", "package-lock.json")) {
        Files.copy(
            root.resolve(SOURCE).resolve(file),
            target.resolve(file),
            StandardCopyOption.REPLACE_EXISTING);
      }
      var npm =
          new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--prefix", target.toString())
              .redirectErrorStream(true)
              .redirectOutput(root.resolve("target/stripe-mock-install.log").toFile())
              .start();
      if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0) {
        throw new IllegalStateException(
            "npm ci of the Stripe emulator failed; see target/stripe-mock-install.log");
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /**
   * The adapter's settings for this emulator: the Charges API (it implements no PaymentIntents), 2
   * s to connect, 10 s to answer.
   */
  public StripeSettings settings() {
    return new StripeSettings(
        API_KEY,
        URI.create(url()),
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        StripeApi.CHARGES);
  }

  public Path log() {
    return log;
  }

  /** A client of this emulator, for setting up customers and reading charges in tests. */
  public StripeClient client() {
    return StripeClient.builder()
        .setApiKey(API_KEY)
        .setApiBase(url())
        .setMaxNetworkRetries(0)
        .build();
  }

  /**
   * A Stripe customer whose default card is the test token's card: {@code tok_visa} pays, {@code
   * tok_chargeDeclinedInsufficientFunds} declines with insufficient_funds, and so on.
   */
  public String customer(String cardToken) {
    try {
      var params = CustomerCreateParams.builder();
      if (cardToken != null) { // null: a customer without a card
        params.setSource(cardToken);
      }
      return client().v1().customers().create(params.build()).getId();
    } catch (StripeException e) {
      throw new IllegalStateException("emulator refused a customer with " + cardToken, e);
    }
  }

  /**
   * Every charge on the account, newest first, read page by page with {@code starting_after}. Not
   * with the client's auto-paging: the emulator answers every list with {@code url: /v1/refunds},
   * which the client follows for the next page.
   */
  public List<Charge> charges() {
    var all = new ArrayList<Charge>();
    String after = null;
    try {
      while (true) {
        var params = ChargeListParams.builder().setLimit(100L);
        if (after != null) {
          params.setStartingAfter(after);
        }
        var page = client().v1().charges().list(params.build());
        all.addAll(page.getData());
        if (!Boolean.TRUE.equals(page.getHasMore()) || page.getData().isEmpty()) {
          return all;
        }
        after = page.getData().getLast().getId();
      }
    } catch (StripeException e) {
      throw new IllegalStateException("emulator refused to list charges", e);
    }
  }

  /** Every refund on the account, newest first, page by page as {@link #charges()}. */
  public List<Refund> refunds() {
    var all = new ArrayList<Refund>();
    String after = null;
    try {
      while (true) {
        var params = RefundListParams.builder().setLimit(100L);
        if (after != null) {
          params.setStartingAfter(after);
        }
        var page = client().v1().refunds().list(params.build());
        all.addAll(page.getData());
        if (!Boolean.TRUE.equals(page.getHasMore()) || page.getData().isEmpty()) {
          return all;
        }
        after = page.getData().getLast().getId();
      }
    } catch (StripeException e) {
      throw new IllegalStateException("emulator refused to list refunds", e);
    }
  }

  public Charge charge(String id) {
    try {
      return client().v1().charges().retrieve(id);
    } catch (StripeException e) {
      throw new IllegalStateException("emulator has no charge " + id, e);
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
