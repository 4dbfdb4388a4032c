package dev.charon.api;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Validated query parameters of one request. Unknown, repeated and malformed parameters are all
 * collected and reported together by {@link #validate()}.
 */
public final class Query {
  private final Map<String, List<String>> params;
  private final List<Problem.FieldError> errors = new ArrayList<>();

  private Query(Map<String, List<String>> params, Set<String> allowed) {
    this.params = params;
    for (var name : new TreeSet<>(params.keySet())) {
      if (!allowed.contains(name)) {
        errors.add(
            new Problem.FieldError(
                name,
                "unknown query parameter; allowed: " + String.join(", ", new TreeSet<>(allowed))));
      } else if (params.get(name).size() > 1) {
        errors.add(new Problem.FieldError(name, "given more than once"));
      }
    }
  }

  public static Query of(Context ctx, Set<String> allowed) {
    return new Query(ctx.queryParamMap(), allowed);
  }

  private Optional<String> raw(String name) {
    var values = params.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
  }

  public Optional<Long> positiveLong(String name) {
    return raw(name)
        .flatMap(
            value -> parsePositiveLong(value).or(() -> fail(name, value, "a positive integer id")));
  }

  public <E extends Enum<E>> Optional<E> enumValue(String name, Class<E> type) {
    return raw(name)
        .flatMap(
            value -> {
              for (var constant : type.getEnumConstants()) {
                if (constant.name().equals(value.toUpperCase(Locale.ROOT))) {
                  return Optional.of(constant);
                }
              }
              return fail(
                  name, value, "one of " + java.util.Arrays.toString(type.getEnumConstants()));
            });
  }

  public Optional<String> matching(String name, String regex, String expected) {
    return raw(name)
        .flatMap(value -> value.matches(regex) ? Optional.of(value) : fail(name, value, expected));
  }

  public int limit(int defaultLimit, int maxLimit) {
    return raw("limit")
        .flatMap(
            value -> {
              try {
                int limit = Integer.parseInt(value);
                if (limit >= 1 && limit <= maxLimit) {
                  return Optional.of(limit);
                }
              } catch (NumberFormatException e) {
                // reported below
              }
              return fail("limit", value, "an integer from 1 to " + maxLimit);
            })
        .orElse(defaultLimit);
  }

  /** The id after which the requested page starts; 0 for the first page. */
  public long after() {
    return raw("cursor")
        .map(
            value -> {
              try {
                return Cursor.decode(value);
              } catch (ApiError e) {
                errors.addAll(e.errors());
                return 0L;
              }
            })
        .orElse(0L);
  }

  /** Throws one 400 listing every problem found so far. */
  public void validate() {
    if (!errors.isEmpty()) {
      throw ApiError.invalid(errors);
    }
  }

  private <T> Optional<T> fail(String name, String value, String expected) {
    errors.add(new Problem.FieldError(name, "'" + truncate(value) + "' is not " + expected));
    return Optional.empty();
  }

  static String truncate(String value) {
    return value.length() <= 64 ? value : value.substring(0, 64) + "…";
  }

  static Optional<Long> parsePositiveLong(String value) {
    if (value == null || value.isEmpty() || value.length() > 19) {
      return Optional.empty();
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        return Optional.empty();
      }
    }
    try {
      long parsed = Long.parseLong(value);
      return parsed > 0 ? Optional.of(parsed) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The positive id in path parameter {@code name}, or 400. */
  public static long pathId(Context ctx, String name) {
    var value = ctx.pathParam(name);
    return parsePositiveLong(value)
        .orElseThrow(
            () ->
                ApiError.invalid(
                    List.of(
                        new Problem.FieldError(
                            name, "'" + truncate(value) + "' is not a positive integer id"))));
  }
}
