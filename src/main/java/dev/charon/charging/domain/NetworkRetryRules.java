package dev.charon.charging.domain;

import dev.charon.payment.domain.DeclineDetail;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The card networks' rules on retrying a declined payment, as data with each rule's source ({@code
 * payment/network-retry-rules.txt}): advice codes after which a card must never be retried and caps
 * on how many reattempts a period allows. Dunning asks {@link #refusal} before it schedules a
 * retry; a refused retry waits for the customer (ACTION_REQUIRED) instead.
 *
 * <p>The caps count this invoice's earlier soft declines, wherever they fell: the networks count
 * reattempts of one payment within a window, and counting all of them can only refuse a retry
 * earlier than a network would, never later.
 */
public final class NetworkRetryRules {
  private static final String RESOURCE = "/payment/network-retry-rules.txt";

  /** How every refusal's reason starts (the simulator and reports find refusals by it). */
  public static final String REFUSAL = "card network rules forbid a retry";

  /**
   * One rule: for which brand ({@code any} for all), what kind, its values, where it comes from.
   */
  public record Rule(String brand, Kind kind, Set<String> codes, Cap cap, String source) {
    boolean appliesTo(String cardBrand) {
      return brand.equals("any") || brand.equalsIgnoreCase(cardBrand);
    }
  }

  public enum Kind {
    NEVER_RETRY_ADVICE,
    NEVER_RETRY_DECLINE,
    STRIPE_ADVICE,
    MAX_REATTEMPTS
  }

  /** At most {@code reattempts} within {@code period}. */
  public record Cap(int reattempts, Duration period) {}

  private static final NetworkRetryRules PUBLISHED = load();

  private final List<Rule> rules;

  public NetworkRetryRules(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** The rules shipped with Charon. */
  public static NetworkRetryRules published() {
    return PUBLISHED;
  }

  public List<Rule> rules() {
    return rules;
  }

  /**
   * Why the networks forbid retrying a payment declined with {@code detail}, when it would be
   * reattempt number {@code reattempt} (1 for the first retry); empty when a retry is allowed.
   */
  public Optional<String> refusal(DeclineDetail detail, int reattempt) {
    for (var rule : rules) {
      if (!rule.appliesTo(detail.cardBrand())) {
        continue;
      }
      var refused =
          switch (rule.kind()) {
            case STRIPE_ADVICE -> matches(rule, detail.adviceCode());
            case NEVER_RETRY_ADVICE -> matches(rule, detail.networkAdviceCode());
            case NEVER_RETRY_DECLINE -> matches(rule, detail.networkDeclineCode());
            case MAX_REATTEMPTS -> reattempt > rule.cap().reattempts();
          };
      if (refused) {
        return Optional.of(describe(rule, detail, reattempt));
      }
    }
    return Optional.empty();
  }

  private static boolean matches(Rule rule, String code) {
    return code != null && rule.codes().contains(code.toLowerCase(Locale.ROOT));
  }

  private static String describe(Rule rule, DeclineDetail detail, int reattempt) {
    var what =
        switch (rule.kind()) {
          case STRIPE_ADVICE -> "advice_code " + detail.adviceCode();
          case NEVER_RETRY_ADVICE -> "network advice code " + detail.networkAdviceCode();
          case NEVER_RETRY_DECLINE -> "network decline code " + detail.networkDeclineCode();
          case MAX_REATTEMPTS ->
              "reattempt "
                  + reattempt
                  + " exceeds "
                  + rule.cap().reattempts()
                  + " within "
                  + period(rule.cap().period());
        };
    var brand = rule.brand().equals("any") ? "" : rule.brand() + " ";
    return REFUSAL + ": " + brand + what + " (" + rule.source() + ")";
  }

  private static String period(Duration period) {
    return period.toHours() % 24 == 0 ? period.toDays() + " days" : period.toHours() + " hours";
  }

  static NetworkRetryRules load() {
    var stream = NetworkRetryRules.class.getResourceAsStream(RESOURCE);
    if (stream == null) {
      throw new IllegalStateException(RESOURCE + " is missing from the jar");
    }
    try (var in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      return parse(in.lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static NetworkRetryRules parse(List<String> lines) {
    var rules = new ArrayList<Rule>();
    int n = 0;
    for (var line : lines) {
      n++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      var f = line.split("\t");
      if (f.length != 4) {
        throw new IllegalArgumentException(
            "network retry rule " + n + ": expected brand, rule, value, source separated by tabs");
      }
      var brand = f[0].trim().toLowerCase(Locale.ROOT);
      var kind =
          switch (f[1].trim()) {
            case "never-retry-advice" -> Kind.NEVER_RETRY_ADVICE;
            case "never-retry-decline" -> Kind.NEVER_RETRY_DECLINE;
            case "stripe-advice" -> Kind.STRIPE_ADVICE;
            case "max-reattempts" -> Kind.MAX_REATTEMPTS;
            default ->
                throw new IllegalArgumentException(
                    "network retry rule " + n + ": unknown rule '" + f[1] + "'");
          };
      var value = f[2].trim();
      var source = f[3].trim();
      if (kind == Kind.MAX_REATTEMPTS) {
        rules.add(new Rule(brand, kind, Set.of(), cap(n, value), source));
      } else {
        var codes = new java.util.HashSet<String>();
        for (var code : value.split(",")) {
          codes.add(code.trim().toLowerCase(Locale.ROOT));
        }
        rules.add(new Rule(brand, kind, Set.copyOf(codes), null, source));
      }
    }
    return new NetworkRetryRules(rules);
  }

  private static Cap cap(int line, String value) {
    var m = java.util.regex.Pattern.compile("([1-9][0-9]*)/([1-9][0-9]*)([hd])").matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "network retry rule " + line + ": a cap is written like 15/30d or 10/24h");
    }
    long amount = Long.parseLong(m.group(2));
    var period = m.group(3).equals("h") ? Duration.ofHours(amount) : Duration.ofDays(amount);
    return new Cap(Integer.parseInt(m.group(1)), period);
  }
}
