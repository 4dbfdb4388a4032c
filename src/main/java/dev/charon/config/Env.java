package dev.charon.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads {@code CHARON_*} variables from a map (the process environment in production, a plain map
 * in tests). Every accessor validates and fails with a message that names the variable; nothing is
 * silently replaced by a default once it has been set.
 */
public final class Env {
  private final Map<String, String> values;

  public Env(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static Env system() {
    return new Env(System.getenv());
  }

  public Optional<String> optional(String name) {
    var value = values.get(name);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(value.trim());
  }

  public String string(String name, String defaultValue) {
    return optional(name).orElse(defaultValue);
  }

  public int integer(String name, int defaultValue, int min, int max) {
    return optional(name)
        .map(
            raw -> parse(name, raw, Integer::parseInt, "an integer between " + min + " and " + max))
        .map(
            value -> {
              if (value < min || value > max) {
                throw new ConfigException(
                    name + "=" + value + " is out of range: expected " + min + ".." + max);
              }
              return value;
            })
        .orElse(defaultValue);
  }

  public Duration duration(String name, Duration defaultValue) {
    return optional(name)
        .map(
            raw ->
                parse(name, raw, Env::parseDuration, "a duration such as 500ms, 30s, 5m, 2h or 7d"))
        .orElse(defaultValue);
  }

  /** A comma-separated list of durations, e.g. {@code 1d,3d,7d}. */
  public java.util.List<Duration> durations(String name, java.util.List<Duration> defaultValue) {
    return optional(name)
        .map(
            raw ->
                java.util.Arrays.stream(raw.split(","))
                    .map(
                        part -> parse(name, part, Env::parseDuration, "durations such as 1d,3d,7d"))
                    .toList())
        .orElse(defaultValue);
  }

  public double rate(String name, double defaultValue) {
    return optional(name)
        .map(raw -> parse(name, raw, Double::parseDouble, "a number between 0 and 1"))
        .map(
            value -> {
              if (!(value >= 0 && value <= 1)) {
                throw new ConfigException(name + "=" + value + " is out of range: expected 0..1");
              }
              return value;
            })
        .orElse(defaultValue);
  }

  public URI uri(String name) {
    return parse(name, values.get(name), URI::create, "a URL");
  }

  public <E extends Enum<E>> E enumValue(String name, Class<E> type, E defaultValue) {
    return optional(name)
        .map(
            raw -> {
              for (var constant : type.getEnumConstants()) {
                if (constant.name().equalsIgnoreCase(raw)) {
                  return constant;
                }
              }
              throw new ConfigException(
                  name
                      + "="
                      + raw
                      + " is not one of "
                      + java.util.Arrays.toString(type.getEnumConstants())
                          .toLowerCase(java.util.Locale.ROOT));
            })
        .orElse(defaultValue);
  }

  static Duration parseDuration(String raw) {
    var text = raw.trim().toLowerCase(java.util.Locale.ROOT);
    if (text.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
    }
    var amount = Long.parseLong(text.substring(0, text.length() - 1));
    return switch (text.charAt(text.length() - 1)) {
      case 's' -> Duration.ofSeconds(amount);
      case 'm' -> Duration.ofMinutes(amount);
      case 'h' -> Duration.ofHours(amount);
      case 'd' -> Duration.ofDays(amount);
      default -> throw new IllegalArgumentException("unknown unit");
    };
  }

  private static <T> T parse(String name, String raw, Function<String, T> parser, String expected) {
    try {
      return parser.apply(raw);
    } catch (RuntimeException e) {
      throw new ConfigException(name + "=" + raw + " is not valid: expected " + expected);
    }
  }
}
