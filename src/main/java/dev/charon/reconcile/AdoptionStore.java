package dev.charon.reconcile;

import dev.charon.audit.ProviderLedger;
import dev.charon.db.Lineage;
import dev.charon.db.SqlFiles;
import dev.charon.invoice.domain.InvoiceTransition;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.IdempotencyKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * The SQL of adoption, one provider charge at a time inside the caller's transaction. A charge is
 * adopted only if its key is the one this lineage derives for the invoice's attempt and money
 * ({@link IdempotencyKeys}): then it can only be that attempt's charge, made by this deployment for
 * this invoice as it stands, and recording it is what the worker that sent the key would have done.
 */
final class AdoptionStore {
  static final String ACTOR = InvoiceTransition.ADOPT.because("-").actor();
  private static final Pattern KEY = Pattern.compile("inv(\\d+)-att(\\d+)-[0-9a-f]{32}");

  private volatile IdempotencyKeys keys;

  /** Positions (0-based) of the charges the database does not show as recorded. */
  List<Integer> candidates(Handle h, List<ProviderLedger.Charge> page) {
    var invoices = page.stream().map(ProviderLedger.Charge::invoiceId).toArray(Long[]::new);
    var keys = page.stream().map(ProviderLedger.Charge::key).toArray(String[]::new);
    return h
        .createQuery(SqlFiles.get("reconcile/candidates"))
        .bind("invoices", invoices)
        .bind("keys", keys)
        .mapTo(Integer.class)
        .stream()
        .map(ord -> ord - 1)
        .toList();
  }

  Adoption adopt(Handle h, ProviderLedger.Charge charge) {
    var invoice =
        h.createQuery(SqlFiles.get("reconcile/lock-invoice"))
            .bind("id", charge.invoiceId())
            .map(
                (rs, ctx) ->
                    new InvoiceRow(
                        rs.getLong("customer_id"),
                        Money.ofMinor(
                            rs.getLong("amount_minor"), Currency.valueOf(rs.getString("currency"))),
                        rs.getString("status")))
            .findOne();
    if (invoice.isEmpty()) {
      return refuse(charge, "unknown_invoice", "the database has no invoice " + charge.invoiceId());
    }
    var key = KEY.matcher(charge.key() == null ? "" : charge.key());
    if (!key.matches() || Long.parseLong(key.group(1)) != charge.invoiceId()) {
      return refuse(charge, "foreign_key", "the key is not an attempt key of this invoice");
    }
    int attempt = Integer.parseInt(key.group(2));
    var row = invoice.get();
    if (!keys(h)
        .charge(charge.invoiceId(), attempt, row.customerId(), row.amount())
        .equals(charge.key())) {
      return refuse(
          charge,
          "foreign_key",
          "the key is not this lineage's key for attempt "
              + attempt
              + " of the invoice's customer and money (another deployment, or the invoice changed)");
    }
    if (charge.amountMinor() != row.amount().minorUnits()
        || !charge.currency().equals(row.amount().currency().name())) {
      return refuse(charge, "amount", "the charge's amount differs from the invoice's");
    }
    var attempts =
        h.createQuery(SqlFiles.get("reconcile/attempts"))
            .bind("id", charge.invoiceId())
            .map(
                (rs, ctx) ->
                    new AttemptRow(
                        rs.getLong("id"),
                        rs.getInt("attempt_no"),
                        rs.getString("idempotency_key"),
                        rs.getString("outcome")))
            .list();
    var same = attempts.stream().filter(a -> a.key().equals(charge.key())).findFirst();
    if (same.isPresent() && same.get().outcome().equals("CHARGED")) {
      if (row.status().equals(InvoiceTransition.ADOPT.to().name())) {
        return new Adoption.Recorded(charge);
      }
    }
    if (row.status().equals(InvoiceTransition.ADOPT.to().name())) {
      return refuse(
          charge, "paid_otherwise", "the invoice is PAID by another charge: charged twice");
    }
    if (!InvoiceTransition.ADOPT.allowedFrom(
        dev.charon.invoice.domain.InvoiceStatus.valueOf(row.status()))) {
      return refuse(charge, "status", "the invoice is " + row.status());
    }
    var conflict = conflict(attempts, same, attempt);
    if (conflict.isPresent()) {
      return refuse(charge, "attempt", conflict.get());
    }
    var detail = "adopted from the provider's ledger: charge " + charge.chargeId();
    if (same.isPresent() && same.get().outcome().equals("UNKNOWN")) {
      h.createUpdate(SqlFiles.get("reconcile/complete-attempt"))
          .bind("id", same.get().id())
          .bind("reference", charge.chargeId())
          .bind("detail", detail)
          .execute();
    } else if (same.isEmpty()) {
      h.createUpdate(SqlFiles.get("reconcile/insert-attempt"))
          .bind("invoice", charge.invoiceId())
          .bind("attempt", attempt)
          .bind("key", charge.key())
          .bind("amount", charge.amountMinor())
          .bind("currency", charge.currency())
          .bind("reference", charge.chargeId())
          .bind("detail", detail)
          .bind("worker", ACTOR)
          .execute();
    }
    h.createUpdate(SqlFiles.get("reconcile/pay-invoice"))
        .bind("id", charge.invoiceId())
        .bind("paid_at", charge.created().toString())
        .bind("attempt", attempt)
        .bind(
            "reason",
            "provider charge "
                + charge.chargeId()
                + " (key "
                + charge.key()
                + ") adopted: the database had not recorded it")
        .execute();
    return new Adoption.Adopted(charge, attempt, row.status());
  }

  // The attempt that sent the key must be the invoice's open one, or missing with its number free
  // and no other attempt open: anything else is a history this charge does not belong to.
  private static Optional<String> conflict(
      List<AttemptRow> attempts, Optional<AttemptRow> same, int attempt) {
    if (same.isPresent()) {
      return same.get().outcome().equals("UNKNOWN") || same.get().outcome().equals("CHARGED")
          ? Optional.empty()
          : Optional.of("the attempt that sent the key is recorded as " + same.get().outcome());
    }
    var taken = new ArrayList<String>();
    for (var a : attempts) {
      if (a.number() == attempt) {
        taken.add("attempt " + attempt + " was made under another key");
      } else if (a.outcome().equals("UNKNOWN")) {
        taken.add("attempt " + a.number() + " is open");
      }
    }
    return taken.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", taken));
  }

  private static Adoption refuse(ProviderLedger.Charge charge, String kind, String why) {
    return new Adoption.Refused(charge, kind, why);
  }

  private IdempotencyKeys keys(Handle h) {
    var loaded = keys;
    if (loaded == null) {
      loaded = new IdempotencyKeys(Lineage.secret(h));
      keys = loaded;
    }
    return loaded;
  }

  private record InvoiceRow(long customerId, Money amount, String status) {}

  private record AttemptRow(long id, int number, String key, String outcome) {}
}
