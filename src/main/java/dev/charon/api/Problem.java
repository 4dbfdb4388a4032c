package dev.charon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** RFC 9457 problem details, the body of every error response. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(
    String type,
    String title,
    int status,
    String detail,
    String instance,
    List<FieldError> errors) {

  public static final String CONTENT_TYPE = "application/problem+json";

  /** One invalid input: which field or parameter, and what is wrong with it. */
  public record FieldError(String field, String message) {}
}
