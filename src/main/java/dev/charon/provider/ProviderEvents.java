package dev.charon.provider;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The {@code provider_event} table: events stored once per provider and event id as soon as their
 * signature is verified, claimed for applying with SKIP LOCKED (any server may apply; a claim is a
 * lease, so an applier that dies leaves the event to the next), and settled with what applying did.
 */
public final class ProviderEvents {
  /** A stored event as the API lists it. */
  public record Stored(
      long id,
      String provider,
      String eventId,
      String type,
      String status,
      String outcome,
      Long invoiceId,
      int tries,
      Instant providerCreated,
      Instant receivedAt,
      Instant settledAt) {}

  /** A claimed event: what the applier needs. */
  record Claimed(
      long id, String provider, String eventId, String type, String payload, int tries) {}

  /** Filters for listing. */
  public record Filter(Optional<String> status, Optional<String> provider, Optional<String> type) {}

  private final Jdbi jdbi;

  public ProviderEvents(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** Stores the event; false when this provider's event id is stored already (a redelivery). */
  boolean store(String provider, String eventId, String type, String payload, Instant created) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                        """
                        insert into provider_event (provider, event_id, type, payload, provider_created)
                        values (:provider, :eventId, :type, cast(:payload as jsonb), :created)
                        on conflict (provider, event_id) do nothing""")
                    .bind("provider", provider)
                    .bind("eventId", eventId)
                    .bind("type", type)
                    .bind("payload", payload)
                    .bind("created", created == null ? null : Timestamp.from(created))
                    .execute()
                == 1);
  }

  /**
   * Claims up to {@code n} due events, oldest first, leased until {@code now + lease}. An event
   * never tried is due whatever its time says: it was stored with the database's clock, {@code now}
   * is the applier's, and a few milliseconds between them must not leave a fresh event for the next
   * maintenance run.
   */
  List<Claimed> claim(int n, Instant now, Duration lease) {
    return jdbi.inTransaction(
        h ->
            h
                .createQuery(
                    """
                    update provider_event e set tries = e.tries + 1, next_attempt_at = :until
                    where e.id in (select id from provider_event
                                   where status = 'RECEIVED' and (next_attempt_at <= :now or tries = 0)
                                   order by next_attempt_at, id limit :n for update skip locked)
                    returning e.id, e.provider, e.event_id, e.type, e.payload::text as payload, e.tries""")
                .bind("n", n)
                .bind("now", Timestamp.from(now))
                .bind("until", Timestamp.from(now.plus(lease)))
                .map(
                    (rs, ctx) ->
                        new Claimed(
                            rs.getLong("id"),
                            rs.getString("provider"),
                            rs.getString("event_id"),
                            rs.getString("type"),
                            rs.getString("payload"),
                            rs.getInt("tries")))
                .list()
                .stream()
                .sorted(java.util.Comparator.comparingLong(Claimed::id))
                .toList());
  }

  /** Records what applying did; only a RECEIVED event settles (once). */
  boolean settle(long id, String status, String outcome, Long invoiceId, Instant now) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        """
                        update provider_event set status = :status, outcome = :outcome,
                               invoice_id = :invoice, settled_at = :now
                        where id = :id and status = 'RECEIVED'""")
                    .bind("status", status)
                    .bind("outcome", outcome)
                    .bind("invoice", invoiceId)
                    .bind("now", Timestamp.from(now))
                    .bind("id", id)
                    .execute())
        == 1;
  }

  /** Applying threw: tried again at {@code next}, with why. */
  void retryAt(long id, Instant next, String failure) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update provider_event set next_attempt_at = :next, outcome = :failure"
                        + " where id = :id and status = 'RECEIVED'")
                .bind("next", Timestamp.from(next))
                .bind("failure", failure)
                .bind("id", id)
                .execute());
  }

  public List<Stored> list(Filter filter, long after, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select id, provider, event_id, type, status, outcome, invoice_id, tries,
                           provider_created, received_at, settled_at
                    from provider_event
                    where id > :after
                      and (cast(:status as text) is null or status = :status)
                      and (cast(:provider as text) is null or provider = :provider)
                      and (cast(:type as text) is null or type = :type)
                    order by id limit :limit""")
                .bind("after", after)
                .bind("limit", limit)
                .bind("status", filter.status().orElse(null))
                .bind("provider", filter.provider().orElse(null))
                .bind("type", filter.type().orElse(null))
                .map(
                    (rs, ctx) ->
                        new Stored(
                            rs.getLong("id"),
                            rs.getString("provider"),
                            rs.getString("event_id"),
                            rs.getString("type"),
                            rs.getString("status"),
                            rs.getString("outcome"),
                            rs.getObject("invoice_id", Long.class),
                            rs.getInt("tries"),
                            instant(rs.getTimestamp("provider_created")),
                            instant(rs.getTimestamp("received_at")),
                            instant(rs.getTimestamp("settled_at"))))
                .list());
  }

  /** How many events are in each status (the ops gauge and the maintenance log). */
  public long count(String status) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select count(*) from provider_event where status = :status")
                .bind("status", status)
                .mapTo(Long.class)
                .one());
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
