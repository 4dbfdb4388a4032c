package dev.charon.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The gateway's memory: every idempotency key (in progress or done), results by invoice, and the
 * ledger of successful charges. Request threads only claim and release keys; stored results arrive
 * through {@link #apply} from the journal's single writer, so there is no lock on the hot path and
 * the ledger is always a gap-free prefix of the journal.
 */
final class ChargeBook {
  private static final int LISTED_DUPLICATES = 100;

  sealed interface Slot permits Pending, StoredResult {}

  /** A key whose first request is being processed. */
  record Pending(ChargeParams params) implements Slot {}

  sealed interface Claim {}

  /** The caller owns the key and must store a result or {@link #release} it. */
  record Owner() implements Claim {}

  record Replay(StoredResult result) implements Claim {}

  record InProgress() implements Claim {}

  record Reused() implements Claim {}

  record CurrencyTotal(long count, long sumMinor) {}

  record Summary(
      Map<String, CurrencyTotal> currencies,
      long chargedCount,
      Map<String, Long> results,
      long invoicesChargedMoreThanOnce,
      List<Long> invoiceIdsChargedMoreThanOnce) {}

  private final Map<String, Slot> byKey = new ConcurrentHashMap<>();
  private final Map<Long, List<StoredResult>> byInvoice = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Long, StoredResult> ledger = new ConcurrentSkipListMap<>();
  // Written by the journal thread only; read under the same lock for a consistent summary.
  private final Map<String, long[]> totals = new TreeMap<>();
  private final Map<String, Long> resultCounts = new TreeMap<>();
  private final List<Long> duplicateIds = new ArrayList<>();
  private long duplicates;

  Claim claim(String key, ChargeParams params) {
    var prior = byKey.putIfAbsent(key, new Pending(params));
    return switch (prior) {
      case null -> new Owner();
      case Pending p -> p.params().equals(params) ? new InProgress() : new Reused();
      case StoredResult r -> r.matches(params) ? new Replay(r) : new Reused();
    };
  }

  /** The owner failed before its result was stored: the key is free again. */
  void release(String key) {
    byKey.computeIfPresent(key, (k, slot) -> slot instanceof Pending ? null : slot);
  }

  /** Records a durable result. Called from one thread at a time, in journal order. */
  void apply(StoredResult result) {
    byKey.put(result.key(), result);
    var earlier = byInvoice.getOrDefault(result.invoiceId(), List.of());
    var all = new ArrayList<StoredResult>(earlier.size() + 1);
    all.addAll(earlier);
    all.add(result);
    byInvoice.put(result.invoiceId(), List.copyOf(all));
    if (result.charged()) {
      ledger.put(result.chargeSeq(), result);
    }
    synchronized (this) {
      resultCounts.merge(result.outcome().wire(), 1L, Long::sum);
      if (result.charged()) {
        var total = totals.computeIfAbsent(result.currency(), c -> new long[2]);
        total[0]++;
        total[1] = Math.addExact(total[1], result.amountMinor());
        if (earlier.stream().filter(StoredResult::charged).count() == 1) {
          duplicates++;
          if (duplicateIds.size() < LISTED_DUPLICATES) {
            duplicateIds.add(result.invoiceId());
          }
        }
      }
    }
  }

  List<StoredResult> results(long invoiceId) {
    return byInvoice.getOrDefault(invoiceId, List.of());
  }

  /** Successful charges with {@code chargeSeq > after}, in order. */
  List<StoredResult> charges(long after, int limit) {
    return ledger.tailMap(after, false).values().stream().limit(limit).toList();
  }

  synchronized Summary summary() {
    var currencies = new TreeMap<String, CurrencyTotal>();
    totals.forEach((currency, t) -> currencies.put(currency, new CurrencyTotal(t[0], t[1])));
    long charged = currencies.values().stream().mapToLong(CurrencyTotal::count).sum();
    return new Summary(
        currencies, charged, new TreeMap<>(resultCounts), duplicates, List.copyOf(duplicateIds));
  }

  long lastChargeSeq() {
    return ledger.isEmpty() ? 0 : ledger.lastKey();
  }
}
