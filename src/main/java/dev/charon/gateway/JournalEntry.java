package dev.charon.gateway;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One line of the gateway's journal: a charge's first result, a refund's first result, or a
 * dispute's change. A line without {@code type} is a charge, as every line was before refunds, so
 * an older journal replays unchanged.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type", defaultImpl = StoredResult.class)
@JsonSubTypes({
  @JsonSubTypes.Type(value = StoredResult.class, name = "charge"),
  @JsonSubTypes.Type(value = RefundResult.class, name = "refund"),
  @JsonSubTypes.Type(value = DisputeChange.class, name = "dispute")
})
sealed interface JournalEntry permits StoredResult, RefundResult, DisputeChange {
  String key();
}
