package dev.charon.payment.fake;

import dev.charon.payment.domain.DeclineCode;
import dev.charon.payment.domain.DeclineDetail;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * A seeded customer population for a fake provider: each customer's traits are a pure function of
 * the seed and the customer id, and each decision a pure function of the traits, the request's time
 * and its idempotency key, so a population replays identically and follows the test clock.
 *
 * <ul>
 *   <li>a decline propensity, uniform in [0, 2 x {@code meanPropensity}]: the chance that a charge
 *       is declined with a soft code ({@code insufficient_funds}, {@code do_not_honor}, {@code
 *       generic_decline}, {@code try_again_later});
 *   <li>a card expiry date for {@code expiringShare} of customers (a month within the horizon):
 *       from then on charges are declined {@code expired_card} until the customer puts in a new
 *       card, which {@code fixingShare} of them do after 1..{@code maxFixDays} days ({@link
 *       Customer#cardReplacedOn()}, the day a simulation updates the payment method);
 *   <li>for {@code paydayShare} of customers, a balance that is short except in the three days from
 *       their payday (the 1st for half of them, the 15th for the others): {@code
 *       insufficient_funds} otherwise;
 *   <li>a card network (55% Visa, 35% Mastercard, 10% American Express) and, with each decline,
 *       what the network and Stripe would say beside the code ({@link #detail}): a model of the
 *       codes' shapes, not measured rates, so that the simulator can count the retries the card
 *       network rules refuse (charging/domain/NetworkRetryRules).
 * </ul>
 */
public record Population(
    long seed,
    double meanPropensity,
    double expiringShare,
    double fixingShare,
    int maxFixDays,
    double paydayShare,
    YearMonth horizonStart,
    int horizonMonths) {

  public Population {
    rate("meanPropensity", meanPropensity * 2);
    rate("expiringShare", expiringShare);
    rate("fixingShare", fixingShare);
    rate("paydayShare", paydayShare);
    if (maxFixDays < 1 || horizonMonths < 1) {
      throw new IllegalArgumentException("maxFixDays and horizonMonths must be >= 1");
    }
  }

  /**
   * A mix like small SaaS books: 5% mean propensity, 10% of cards expire, 70% fix, 15%
   * payday-bound.
   */
  public static Population standard(long seed, YearMonth horizonStart, int horizonMonths) {
    return new Population(seed, 0.05, 0.10, 0.70, 14, 0.15, horizonStart, horizonMonths);
  }

  /** One customer's traits. {@code cardExpires}: the last day the card works, if it expires. */
  public record Customer(
      long id,
      double propensity,
      Optional<LocalDate> cardExpires,
      Optional<LocalDate> cardReplacedOn,
      boolean paydayBound,
      int payday) {}

  private static final int PROPENSITY = 1,
      EXPIRES = 2,
      EXPIRY_MONTH = 3,
      FIXES = 4,
      FIX_DAYS = 5,
      PAYDAY = 6,
      ROLL = 7,
      CODE = 8,
      PAYDAY_DAY = 9,
      BRAND = 10,
      ADVICE = 11;
  private static final DeclineCode[] SOFT = {
    DeclineCode.INSUFFICIENT_FUNDS,
    DeclineCode.INSUFFICIENT_FUNDS,
    DeclineCode.DO_NOT_HONOR,
    DeclineCode.GENERIC_DECLINE,
    DeclineCode.TRY_AGAIN_LATER
  };

  public Customer customer(long id) {
    double propensity = u(id, PROPENSITY) * 2 * meanPropensity;
    Optional<LocalDate> expires = Optional.empty();
    Optional<LocalDate> replaced = Optional.empty();
    if (u(id, EXPIRES) < expiringShare) {
      var month = horizonStart.plusMonths((long) Math.floor(u(id, EXPIRY_MONTH) * horizonMonths));
      expires = Optional.of(month.atEndOfMonth());
      if (u(id, FIXES) < fixingShare) {
        replaced =
            Optional.of(
                month.atEndOfMonth().plusDays(1 + (long) Math.floor(u(id, FIX_DAYS) * maxFixDays)));
      }
    }
    boolean bound = u(id, PAYDAY) < paydayShare;
    return new Customer(
        id, propensity, expires, replaced, bound, bound ? (u(id, PAYDAY_DAY) < 0.5 ? 1 : 15) : 0);
  }

  /**
   * The charge of an invoice of {@code customerId} at {@code at}: empty when it is charged, else
   * the decline code. Rolls depend on the invoice and the day, not on the idempotency key (which
   * holds random bits), so a simulation replays identically.
   */
  public Optional<DeclineCode> decline(long customerId, long invoiceId, Instant at) {
    var c = customer(customerId);
    var day = LocalDate.ofInstant(at, ZoneOffset.UTC);
    if (c.cardExpires().isPresent()
        && day.isAfter(c.cardExpires().get())
        && (c.cardReplacedOn().isEmpty() || day.isBefore(c.cardReplacedOn().get()))) {
      return Optional.of(DeclineCode.EXPIRED_CARD);
    }
    if (c.paydayBound() && !nearPayday(day, c.payday())) {
      return Optional.of(DeclineCode.INSUFFICIENT_FUNDS);
    }
    long key = invoiceId * 100_003L + day.toEpochDay();
    if (roll(key, ROLL) < c.propensity()) {
      return Optional.of(SOFT[(int) Math.floor(roll(key, CODE) * SOFT.length)]);
    }
    return Optional.empty();
  }

  /** The customer's card network, as Stripe names it ({@code card.brand}). */
  public String brand(long customerId) {
    double u = u(customerId, BRAND);
    return u < 0.55 ? "visa" : u < 0.90 ? "mastercard" : "amex";
  }

  /**
   * What a decline with {@code code} of this customer's card would carry, rolled per invoice and
   * day as {@link #decline} is. Mastercard: a merchant advice code ({@code network_advice_code}):
   * 03 "do not try again" for 30% of issuer refusals ({@code do_not_honor}, {@code
   * generic_decline}), 02 "try again later" for the others and for short balances, 01 for an
   * expired card. Visa: a response code ({@code network_decline_code}): R1 (the cardholder revoked
   * recurring payments, a category 1 code) for 20% of {@code generic_decline}s, 05, 51 or 54 by the
   * code otherwise. Stripe's {@code advice_code}: {@code do_not_try_again} for 10% of the other
   * {@code generic_decline}s, {@code try_again_later} for short balances and issuer hiccups.
   */
  public DeclineDetail detail(long customerId, long invoiceId, Instant at, DeclineCode code) {
    var brand = brand(customerId);
    long key = invoiceId * 100_003L + LocalDate.ofInstant(at, ZoneOffset.UTC).toEpochDay();
    double u = roll(key, ADVICE);
    String networkAdvice = null;
    String networkDecline = null;
    String advice = null;
    switch (brand) {
      case "mastercard" ->
          networkAdvice =
              switch (code) {
                case DO_NOT_HONOR, GENERIC_DECLINE -> u < 0.30 ? "03" : "02";
                case INSUFFICIENT_FUNDS, TRY_AGAIN_LATER -> "02";
                case EXPIRED_CARD -> "01";
                default -> null;
              };
      case "visa" ->
          networkDecline =
              switch (code) {
                case GENERIC_DECLINE -> u < 0.20 ? "R1" : "05";
                case DO_NOT_HONOR -> "05";
                case INSUFFICIENT_FUNDS -> "51";
                case EXPIRED_CARD -> "54";
                default -> null;
              };
      default -> {}
    }
    if (code == DeclineCode.GENERIC_DECLINE
        && !"R1".equals(networkDecline)
        && !"03".equals(networkAdvice)) {
      advice = roll(key, ADVICE + 1) < 0.10 ? "do_not_try_again" : null;
    } else if (code == DeclineCode.INSUFFICIENT_FUNDS || code == DeclineCode.TRY_AGAIN_LATER) {
      advice = "try_again_later";
    }
    return new DeclineDetail(null, brand, advice, networkAdvice, networkDecline);
  }

  /** Within three days from the customer's payday (the payday and the two days after). */
  public static boolean nearPayday(LocalDate day, int payday) {
    int d = day.getDayOfMonth();
    return d >= payday && d <= payday + 2;
  }

  private double u(long id, int salt) {
    return unit(mix(mix(seed) ^ mix(id * 31 + salt)));
  }

  private double roll(long key, int salt) {
    return unit(mix(mix(key) ^ mix(seed + salt)));
  }

  private static double unit(long h) {
    return (h >>> 11) * 0x1.0p-53;
  }

  private static long mix(long z) {
    z += 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static void rate(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be between 0 and 1, was " + value);
    }
  }
}
