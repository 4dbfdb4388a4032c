package dev.charon.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request's JSON object body, read field by field like {@link Query} reads parameters: unknown
 * fields, missing and mistyped values are all collected and reported together by {@link
 * #validate()}. The parser bounds what a client can make the server hold: nesting depth, string and
 * number lengths; duplicate keys and trailing content are errors. Body size is capped by {@link
 * HttpApi}.
 */
public final class JsonBody {
  static final int MAX_DEPTH = 8;
  static final int MAX_STRING = 10_000;
  private static final ObjectMapper STRICT =
      new ObjectMapper(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_DEPTH)
                          .maxStringLength(MAX_STRING)
                          .maxNumberLength(40)
                          .maxNameLength(200)
                          .build())
                  .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final JsonNode node;
  private final String prefix;
  private final List<Problem.FieldError> errors;

  private JsonBody(
      JsonNode node, String prefix, List<Problem.FieldError> errors, Set<String> allowed) {
    this.node = node;
    this.prefix = prefix;
    this.errors = errors;
    var names = new TreeSet<String>();
    node.fieldNames().forEachRemaining(names::add);
    for (var name : names) {
      if (!allowed.contains(name)) {
        error(name, "unknown field; allowed: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  /** The body of {@code ctx}, which must be an {@code application/json} object. */
  public static JsonBody of(Context ctx, Set<String> allowed) {
    var contentType = ctx.contentType();
    if (contentType == null
        || !contentType.toLowerCase(Locale.ROOT).split(";")[0].trim().equals("application/json")) {
      throw ApiError.unsupportedMediaType(
          "Send the request as application/json, not "
              + (contentType == null ? "without a Content-Type" : Query.truncate(contentType)));
    }
    return parse(ctx.body(), allowed);
  }

  static JsonBody parse(String text, Set<String> allowed) {
    JsonNode node;
    try {
      node = STRICT.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest(
          "The body is not acceptable JSON: " + Query.truncate(e.getOriginalMessage()));
    }
    if (node == null || !node.isObject()) {
      throw ApiError.badRequest("The body must be a JSON object");
    }
    return new JsonBody(node, "", new ArrayList<>(), allowed);
  }

  /** A string field of at most {@code maxLength} characters, not blank. */
  public Optional<String> text(String name, boolean required, int maxLength) {
    return value(name, required, "a string")
        .flatMap(
            value -> {
              if (!value.isTextual()) {
                return fail(name, "must be a string");
              }
              var text = value.asText().strip();
              if (text.isEmpty()) {
                return fail(name, "must not be blank");
              }
              if (text.length() > maxLength) {
                return fail(name, "must be at most " + maxLength + " characters");
              }
              if (text.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
                return fail(name, "must not contain control characters");
              }
              return Optional.of(text);
            });
  }

  /** One of an enum's constants, given as a string in any case (like {@link Query#enumValue}). */
  public <E extends Enum<E>> Optional<E> enumValue(String name, boolean required, Class<E> type) {
    return text(name, required, 40)
        .flatMap(
            value -> {
              for (var constant : type.getEnumConstants()) {
                if (constant.name().equals(value.toUpperCase(Locale.ROOT))) {
                  return Optional.of(constant);
                }
              }
              return fail(
                  name,
                  "'"
                      + Query.truncate(value)
                      + "' is not one of "
                      + java.util.Arrays.toString(type.getEnumConstants()));
            });
  }

  /** A positive integer id, given as a JSON number. */
  public Optional<Long> id(String name, boolean required) {
    return value(name, required, "a positive integer id")
        .flatMap(
            value ->
                value.isIntegralNumber() && value.canConvertToLong() && value.asLong() > 0
                    ? Optional.of(value.asLong())
                    : fail(name, "must be a positive integer id"));
  }

  /** An ISO date such as {@code 2026-12-01}. */
  public Optional<LocalDate> date(String name, boolean required) {
    return text(name, required, 10)
        .flatMap(
            value -> {
              try {
                return Optional.of(LocalDate.parse(value));
              } catch (DateTimeParseException e) {
                return fail(name, "'" + value + "' is not a date like 2026-12-01");
              }
            });
  }

  /**
   * A positive amount given as {@code {"value": "12.50", "currency": "EUR"}}: the value a decimal
   * string in the currency's scale, never a JSON number (no binary floating point on the way).
   */
  public Optional<dev.charon.money.Money> money(String name, boolean required) {
    return object(name, required, Set.of("value", "currency"))
        .flatMap(
            a -> {
              var value = a.text("value", true, 40);
              var currency = a.enumValue("currency", true, dev.charon.money.Currency.class);
              if (value.isEmpty() || currency.isEmpty()) {
                return Optional.empty();
              }
              if (!value.get().matches("-?[0-9]{1,30}(\\.[0-9]{1,10})?")) {
                return a.fail(
                    "value",
                    "'"
                        + value.get()
                        + "' is not a decimal number like 12.50 (ASCII digits, optional point, no exponent)");
              }
              try {
                var money = dev.charon.money.Money.parse(value.get(), currency.get());
                return money.minorUnits() > 0
                    ? Optional.of(money)
                    : a.fail("value", "must be greater than 0");
              } catch (IllegalArgumentException e) {
                return a.fail("value", e.getMessage());
              }
            });
  }

  /** A nested object whose problems are reported as {@code name.field}. */
  public Optional<JsonBody> object(String name, boolean required, Set<String> allowed) {
    return value(name, required, "an object")
        .flatMap(
            value ->
                value.isObject()
                    ? Optional.of(new JsonBody(value, prefix + name + ".", errors, allowed))
                    : fail(name, "must be an object"));
  }

  /**
   * Whether the body sets {@code name} to JSON {@code null} explicitly (a PATCH's "clear this").
   */
  public boolean isNull(String name) {
    var value = node.get(name);
    return value != null && value.isNull();
  }

  /** Records a problem found by the caller's own checks, in the same list. */
  public <T> Optional<T> fail(String name, String message) {
    error(name, message);
    return Optional.empty();
  }

  /** Throws one 400 listing every problem found so far. */
  public void validate() {
    if (!errors.isEmpty()) {
      throw ApiError.invalid(errors);
    }
  }

  private Optional<JsonNode> value(String name, boolean required, String expected) {
    var value = node.get(name);
    if (value == null || value.isNull()) {
      if (required) {
        error(name, "required, " + expected);
      }
      return Optional.empty();
    }
    return Optional.of(value);
  }

  private void error(String name, String message) {
    errors.add(new Problem.FieldError(prefix + name, message));
  }
}
