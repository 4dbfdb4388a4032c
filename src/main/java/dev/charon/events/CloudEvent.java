package dev.charon.events;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** A CloudEvents 1.0 event in its JSON structured form; {@code id} is stable for deduplication. */
public record CloudEvent(
    String specversion,
    String id,
    String source,
    String type,
    String subject,
    Instant time,
    String datacontenttype,
    JsonNode data) {

  public static final String SOURCE = "/charon";

  public static CloudEvent of(String id, String type, String subject, Instant time, JsonNode data) {
    return new CloudEvent("1.0", id, SOURCE, type, subject, time, "application/json", data);
  }
}
