package dev.charon.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque keyset cursor: the id after which the next page starts. Opaque so that clients do not
 * build on its shape.
 */
public final class Cursor {
  private static final String PREFIX = "after:";

  private Cursor() {}

  public static String encode(long afterId) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((PREFIX + afterId).getBytes(StandardCharsets.UTF_8));
  }

  public static long decode(String cursor) {
    try {
      var text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (text.startsWith(PREFIX)) {
        long id = Long.parseLong(text.substring(PREFIX.length()));
        if (id >= 0) {
          return id;
        }
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw ApiError.invalid(
        java.util.List.of(
            new Problem.FieldError("cursor", "'" + cursor + "' is not a cursor this API issued")));
  }
}
