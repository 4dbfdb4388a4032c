package dev.charon.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.payment.fake.DeclineMix;
import dev.charon.payment.fake.FaultProfile;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Changes the gateway's behaviour while it runs: fault knobs, the outage switch, the rate limit.
 */
final class AdminRoutes {
  private final ChargeHandler charges;
  private final CallRate rate;
  private final ObjectMapper json;

  /** Fields present replace the current value; absent fields keep it. */
  record ConfigPatch(
      Long latencyMs,
      Long latencyJitterMs,
      Double declineRate,
      Double networkErrorRate,
      Double timeoutRate,
      Set<Long> customersNotFound,
      Set<Long> currencyMismatch,
      Long seed,
      String declineCodes) {

    /** Starts from {@code f}, so a field the patch does not name (the population) survives. */
    FaultProfile applyTo(FaultProfile f) {
      var b = f.toBuilder();
      Optional.ofNullable(latencyMs).ifPresent(b::latencyMs);
      Optional.ofNullable(latencyJitterMs).ifPresent(b::latencyJitterMs);
      Optional.ofNullable(declineRate).ifPresent(b::declineRate);
      Optional.ofNullable(networkErrorRate).ifPresent(b::networkErrorRate);
      Optional.ofNullable(timeoutRate).ifPresent(b::timeoutRate);
      Optional.ofNullable(customersNotFound).ifPresent(b::customersNotFound);
      Optional.ofNullable(currencyMismatch).ifPresent(b::currencyMismatch);
      Optional.ofNullable(seed).ifPresent(b::seed);
      Optional.ofNullable(declineCodes).map(DeclineMix::parse).ifPresent(b::declineMix);
      return b.build();
    }
  }

  record Outage(Boolean enabled) {}

  /** {@code callsPerSecond}: null lifts the limit. */
  record RateLimit(Integer callsPerSecond) {}

  AdminRoutes(ChargeHandler charges, CallRate rate, ObjectMapper json) {
    this.charges = charges;
    this.rate = rate;
    this.json = json;
  }

  void register(RoutesConfig routes) {
    routes.get("/admin/config", ctx -> ctx.json(charges.faults()));
    routes.put("/admin/config", this::configure);
    routes.get("/admin/outage", ctx -> ctx.json(Map.of("enabled", charges.outage())));
    routes.post("/admin/outage", this::outage);
    routes.get("/admin/rate-limit", ctx -> ctx.json(rateLimit()));
    routes.put("/admin/rate-limit", this::setRateLimit);
  }

  private void configure(Context ctx) {
    var patch = read(ctx, ConfigPatch.class);
    try {
      charges.configure(patch.applyTo(charges.faults()));
    } catch (IllegalArgumentException e) {
      throw GatewayError.badRequest("invalid_config", e.getMessage());
    }
    ctx.json(charges.faults());
  }

  private void outage(Context ctx) {
    var outage = read(ctx, Outage.class);
    if (outage.enabled() == null) {
      throw GatewayError.badRequest("invalid_body", "expected {\"enabled\": true|false}");
    }
    charges.outage(outage.enabled());
    ctx.json(Map.of("enabled", charges.outage()));
  }

  private RateLimit rateLimit() {
    var limit = rate.limit();
    return new RateLimit(limit.isPresent() ? limit.getAsInt() : null);
  }

  private void setRateLimit(Context ctx) {
    var body = read(ctx, RateLimit.class);
    try {
      rate.set(
          body.callsPerSecond() == null
              ? OptionalInt.empty()
              : OptionalInt.of(body.callsPerSecond()));
    } catch (IllegalArgumentException e) {
      throw GatewayError.badRequest("invalid_rate_limit", e.getMessage());
    }
    ctx.json(rateLimit());
  }

  private <T> T read(Context ctx, Class<T> type) {
    try {
      var value = json.readValue(ctx.bodyAsBytes(), type);
      if (value == null) {
        throw GatewayError.badRequest("invalid_body", "the body is empty");
      }
      return value;
    } catch (IOException e) {
      throw GatewayError.badRequest("invalid_body", "cannot read the body: " + e.getMessage());
    }
  }
}
