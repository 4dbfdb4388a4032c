package dev.charon.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.api.ApiError;
import dev.charon.api.HttpApi;
import dev.charon.api.Query;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code GET /rest/v1/audits/last}: the standing audit's last result (the console's overview shows
 * it), and the last one that completed when the last run failed.
 */
public final class AuditRoutes implements HttpApi.Module {
  record View(
      long id,
      String startedAt,
      String finishedAt,
      String outcome,
      long totalDifferences,
      Map<String, Long> differences,
      JsonNode examples,
      JsonNode currencies,
      String cut,
      Long providerCharges,
      Long inFlight,
      Long inFlightCharges,
      String error,
      String ranBy) {}

  record Last(View last, View lastCompleted) {}

  private final Jdbi jdbi;
  private final ObjectMapper json;
  private final AuditResults results;

  public AuditRoutes(Jdbi jdbi, ObjectMapper json) {
    this.jdbi = jdbi;
    this.json = json;
    this.results = new AuditResults(json);
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/audits/last", this::last);
  }

  private void last(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    var found =
        jdbi.withHandle(
            h -> {
              var last = results.last(h);
              var completed = results.lastCompleted(h);
              return last.map(l -> new Last(view(l), completed.map(this::view).orElse(null)));
            });
    ctx.json(
        found.orElseThrow(
            () ->
                ApiError.notFound(
                    "No audit has run yet: a server runs one every CHARON_AUDIT_INTERVAL once it"
                        + " knows the provider's ledger (CHARON_GATEWAY_URL or CHARON_PROVIDER=stripe)")));
  }

  private View view(AuditResults.Stored r) {
    return new View(
        r.id(),
        r.startedAt().toString(),
        r.finishedAt().toString(),
        r.outcome().name(),
        r.total(),
        r.differences(),
        tree(r.examplesJson()),
        tree(r.currenciesJson()),
        r.cut().map(Object::toString).orElse(null),
        r.providerCharges().orElse(null),
        r.inFlight().orElse(null),
        r.inFlightCharges().orElse(null),
        r.error().orElse(null),
        r.ranBy());
  }

  private JsonNode tree(String text) {
    try {
      return json.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("audit_result holds invalid JSON", e);
    }
  }
}
