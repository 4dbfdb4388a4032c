package dev.charon.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The standing audit's results ({@code audit_result}, V80) and the events they emit. */
final class AuditResults {
  /** The outcome column's values. */
  enum Outcome {
    RECONCILES,
    DIFFERENCES,
    FAILED
  }

  /** A stored result; {@code differences} by kind, empty for a failed run. */
  record Stored(
      long id,
      Instant startedAt,
      Instant finishedAt,
      Outcome outcome,
      Map<String, Long> differences,
      String examplesJson,
      String currenciesJson,
      Optional<Instant> cut,
      Optional<Long> providerCharges,
      Optional<Long> inFlight,
      Optional<Long> inFlightCharges,
      Optional<String> error,
      String ranBy) {
    long total() {
      return differences.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  // A year of results at the default interval is 52,560 rows: keep the newest 10,000 and let the
  // log and the event feed hold older history.
  static final int KEEP = 10_000;

  private static final String INSERT =
      """
      insert into audit_result (started_at, finished_at, outcome, differences, examples, currencies, cut,
                                provider_charges, in_flight, in_flight_charges, error, ran_by)
      values (:started, :finished, :outcome, cast(:differences as jsonb), cast(:examples as jsonb),
              cast(:currencies as jsonb), :cut, :providerCharges, :inFlight, :inFlightCharges, :error, :ranBy)
      returning id
      """;

  private static final String PRUNE =
      """
      delete from audit_result where id <= (select id from audit_result order by id desc offset :keep limit 1)
      """;

  private static final String LAST =
      """
      select * from audit_result order by id desc limit 1
      """;

  // The last run that finished (found differences or none): a failed run says nothing about them.
  private static final String LAST_COMPLETED =
      """
      select * from audit_result where outcome <> 'FAILED' order by id desc limit 1
      """;

  private static final String EVENT =
      """
      insert into event_outbox (type, subject, data) values (:type, :subject, cast(:data as jsonb))
      """;

  private final ObjectMapper json;

  AuditResults(ObjectMapper json) {
    this.json = json;
  }

  long insert(Handle h, Instant started, Instant finished, Auditor.Report report, String ranBy) {
    var examples = new LinkedHashMap<String, List<Long>>();
    for (var check : report.checks()) {
      if (!check.ok()) {
        examples.put(check.kind(), check.examples());
      }
    }
    return h.createQuery(INSERT)
        .bind("started", started)
        .bind("finished", finished)
        .bind("outcome", (report.reconciles() ? Outcome.RECONCILES : Outcome.DIFFERENCES).name())
        .bind("differences", write(report.differences()))
        .bind("examples", write(examples))
        .bind("currencies", write(report.currencies()))
        .bind("cut", report.cut())
        .bind("providerCharges", report.providerCharges())
        .bind("inFlight", report.inFlight())
        .bind("inFlightCharges", report.inFlightCharges())
        .bind("error", (String) null)
        .bind("ranBy", ranBy)
        .mapTo(Long.class)
        .one();
  }

  long insertFailed(Handle h, Instant started, Instant finished, String error, String ranBy) {
    return h.createQuery(INSERT)
        .bind("started", started)
        .bind("finished", finished)
        .bind("outcome", Outcome.FAILED.name())
        .bind("differences", "{}")
        .bind("examples", "{}")
        .bind("currencies", "[]")
        .bind("cut", (Instant) null)
        .bind("providerCharges", (Long) null)
        .bind("inFlight", (Long) null)
        .bind("inFlightCharges", (Long) null)
        .bind("error", error)
        .bind("ranBy", ranBy)
        .mapTo(Long.class)
        .one();
  }

  void prune(Handle h) {
    h.createUpdate(PRUNE).bind("keep", KEEP).execute();
  }

  void event(Handle h, String type, long resultId, Map<String, Object> data) {
    h.createUpdate(EVENT)
        .bind("type", type)
        .bind("subject", "audits/" + resultId)
        .bind("data", write(data))
        .execute();
  }

  Optional<Stored> last(Handle h) {
    return h.createQuery(LAST).map((rs, ctx) -> row(rs)).findOne();
  }

  Optional<Stored> lastCompleted(Handle h) {
    return h.createQuery(LAST_COMPLETED).map((rs, ctx) -> row(rs)).findOne();
  }

  private Stored row(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Stored(
        rs.getLong("id"),
        rs.getObject("started_at", java.time.OffsetDateTime.class).toInstant(),
        rs.getObject("finished_at", java.time.OffsetDateTime.class).toInstant(),
        Outcome.valueOf(rs.getString("outcome")),
        readCounts(rs.getString("differences")),
        rs.getString("examples"),
        rs.getString("currencies"),
        Optional.ofNullable(rs.getObject("cut", java.time.OffsetDateTime.class))
            .map(java.time.OffsetDateTime::toInstant),
        Optional.ofNullable((Long) rs.getObject("provider_charges")),
        Optional.ofNullable((Long) rs.getObject("in_flight")),
        Optional.ofNullable((Long) rs.getObject("in_flight_charges")),
        Optional.ofNullable(rs.getString("error")),
        rs.getString("ran_by"));
  }

  private Map<String, Long> readCounts(String text) {
    try {
      var node = json.readTree(text);
      var counts = new LinkedHashMap<String, Long>();
      node.fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
      return counts;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("audit_result.differences is not JSON: " + text, e);
    }
  }

  private String write(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write audit result as JSON", e);
    }
  }
}
