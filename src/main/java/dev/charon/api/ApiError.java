package dev.charon.api;

import dev.charon.domain.Refused;
import java.util.List;

/**
 * A client-visible failure: thrown by handlers and request parsing, turned into RFC 9457
 * problem+json by {@link ProblemMapper} and nowhere else.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String title;
  private final List<Problem.FieldError> errors;

  private ApiError(int status, String title, String detail, List<Problem.FieldError> errors) {
    super(detail, null, false, false);
    this.status = status;
    this.title = title;
    this.errors = List.copyOf(errors);
  }

  /**
   * The server cannot do it now (a dependency did not answer in time); the request may be retried.
   */
  /** A service's refusal as the problem it answers: 404, 409, 422 (with the field) or 503. */
  public static ApiError of(Refused refused) {
    return switch (refused.kind()) {
      case NOT_FOUND -> notFound(refused.getMessage());
      case CONFLICT -> conflict(refused.getMessage());
      case INVALID ->
          refused.field() == null
              ? unprocessable(refused.getMessage())
              : unprocessable(
                  List.of(new Problem.FieldError(refused.field(), refused.getMessage())));
      case NOT_IDLE -> serviceUnavailable(refused.getMessage());
    };
  }

  public static ApiError serviceUnavailable(String detail) {
    return new ApiError(503, "Service unavailable", detail, List.of());
  }

  public static ApiError badRequest(String detail) {
    return new ApiError(400, "Bad request", detail, List.of());
  }

  public static ApiError invalid(List<Problem.FieldError> errors) {
    return new ApiError(400, "Invalid request", summary(errors), errors);
  }

  private static String summary(List<Problem.FieldError> errors) {
    return errors.size() == 1
        ? errors.getFirst().field() + ": " + errors.getFirst().message()
        : errors.size()
            + " fields are invalid: "
            + String.join(", ", errors.stream().map(Problem.FieldError::field).toList());
  }

  /** The caller must say who it is: no, a malformed, an unknown or a revoked API key. */
  public static ApiError unauthorized(String detail) {
    return new ApiError(401, "Unauthorized", detail, List.of());
  }

  /** The caller is known but its role does not allow this request. */
  public static ApiError forbidden(String detail) {
    return new ApiError(403, "Forbidden", detail, List.of());
  }

  public static ApiError notFound(String detail) {
    return new ApiError(404, "Not found", detail, List.of());
  }

  public static ApiError conflict(String detail) {
    return new ApiError(409, "Conflict", detail, List.of());
  }

  public static ApiError unsupportedMediaType(String detail) {
    return new ApiError(415, "Unsupported media type", detail, List.of());
  }

  public static ApiError unprocessable(String detail) {
    return new ApiError(422, "Unprocessable request", detail, List.of());
  }

  /** Well-formed input that refers to something that does not fit (a customer, a currency). */
  public static ApiError unprocessable(List<Problem.FieldError> errors) {
    return new ApiError(422, "Unprocessable request", summary(errors), errors);
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public List<Problem.FieldError> errors() {
    return errors;
  }
}
