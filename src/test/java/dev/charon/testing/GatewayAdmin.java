package dev.charon.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.payment.fake.FaultProfile;
import java.util.LinkedHashMap;
import java.util.stream.Collectors;

/**
 * Turns a running gateway's fault knobs through its admin API, as an operator would: the gateway
 * has no in-process hooks for tests. A population cannot be set this way; start the gateway with
 * one instead.
 */
public final class GatewayAdmin {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Http http;

  public GatewayAdmin(String gatewayUrl) {
    this.http = new Http(gatewayUrl);
  }

  /** Replaces every knob the admin patch names with {@code faults}' value. */
  public void configure(FaultProfile faults) {
    if (faults.population() != null) {
      throw new IllegalArgumentException("the admin API sets no population");
    }
    var patch = new LinkedHashMap<String, Object>();
    patch.put("latencyMs", faults.latencyMs());
    patch.put("latencyJitterMs", faults.latencyJitterMs());
    patch.put("declineRate", faults.declineRate());
    patch.put("networkErrorRate", faults.networkErrorRate());
    patch.put("timeoutRate", faults.timeoutRate());
    patch.put("customersNotFound", faults.customersNotFound());
    patch.put("currencyMismatch", faults.currencyMismatch());
    patch.put("seed", faults.seed());
    patch.put(
        "declineCodes",
        faults.declineMix().weights().entrySet().stream()
            .map(e -> e.getKey().code() + "=" + e.getValue())
            .collect(Collectors.joining(",")));
    expectOk(http.send("PUT", "/admin/config", json(patch), "application/json"));
  }

  /** While on, the gateway refuses every request (503) and processes nothing. */
  public void outage(boolean enabled) {
    expectOk(
        http.send("POST", "/admin/outage", "{\"enabled\":" + enabled + "}", "application/json"));
  }

  /** At most {@code callsPerSecond} money calls a second, the rest answered 429; null lifts it. */
  public void rateLimit(Integer callsPerSecond) {
    expectOk(
        http.send(
            "PUT",
            "/admin/rate-limit",
            "{\"callsPerSecond\":" + callsPerSecond + "}",
            "application/json"));
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void expectOk(Http.Response response) {
    if (response.status() != 200) {
      throw new IllegalStateException(
          "the gateway refused the admin call: " + response.status() + " " + response.body());
    }
  }
}
