package dev.charon.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The console pages' Content-Security-Policy: scripts, styles, images and API calls from this
 * origin only, never framed (clickjacking an operator's "void" button), no plugins, no {@code
 * <base>} rewriting. The one inline script (the import map) is allowed by its SHA-256, reckoned
 * from the page as served, so a change to the page (or to a webjar version that resource filtering
 * writes into it) cannot leave the hash stale.
 */
final class ContentSecurityPolicy {
  private static final Pattern INLINE_SCRIPT =
      Pattern.compile("<script(?![^>]*\\ssrc=)[^>]*>(.*?)</script>", Pattern.DOTALL);

  private ContentSecurityPolicy() {}

  /** {@code inlineStyles}: allow style attributes (Swagger UI needs them; the console does not). */
  static String forPage(String html, boolean inlineStyles) {
    var scripts = new ArrayList<String>();
    scripts.add("'self'");
    var inline = INLINE_SCRIPT.matcher(html);
    while (inline.find()) {
      scripts.add("'sha256-" + sha256(inline.group(1)) + "'");
    }
    return String.join(
        "; ",
        "default-src 'none'",
        "script-src " + String.join(" ", scripts),
        "style-src 'self'" + (inlineStyles ? " 'unsafe-inline'" : ""),
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'");
  }

  private static String sha256(String text) {
    try {
      var digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
