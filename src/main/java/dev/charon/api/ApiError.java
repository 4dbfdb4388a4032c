package dev.charon.api;

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

  public static ApiError badRequest(String detail) {
    return new ApiError(400, "Bad request", detail, List.of());
  }

  public static ApiError invalid(List<Problem.FieldError> errors) {
    var detail =
        errors.size() == 1
            ? errors.getFirst().field() + ": " + errors.getFirst().message()
            : errors.size() + " fields are invalid";
    return new ApiError(400, "Invalid request", detail, errors);
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
