package dev.charon.api;

import java.util.List;
import java.util.function.ToLongFunction;

/** One page of a keyset-paginated list and the id the next page starts after, if any. */
public record Page<T>(List<T> items, java.util.OptionalLong nextAfter) {

  /** Builds a page from {@code limit + 1} fetched rows: the extra row only says more exist. */
  public static <T> Page<T> of(List<T> fetched, int limit, ToLongFunction<T> id) {
    if (fetched.size() <= limit) {
      return new Page<>(List.copyOf(fetched), java.util.OptionalLong.empty());
    }
    var items = List.copyOf(fetched.subList(0, limit));
    return new Page<>(items, java.util.OptionalLong.of(id.applyAsLong(items.getLast())));
  }
}
