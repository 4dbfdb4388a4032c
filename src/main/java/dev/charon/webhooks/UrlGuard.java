package dev.charon.webhooks;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Keeps endpoint URLs from reaching inside the network Charon runs in (SSRF): http(s) only, and the
 * host may not resolve to a loopback, link-local (cloud metadata lives at 169.254.169.254),
 * private, carrier-grade NAT, unique-local, multicast or unspecified address. Checked when an
 * endpoint is registered or changed and again before every delivery against what the name resolves
 * to then (a name can be re-pointed after registration). The JVM caches the lookup (30 s by
 * default), so the HTTP client connects to the address just checked. {@code
 * CHARON_WEBHOOKS_ALLOW_PRIVATE=true} lifts the address rule for tests and demos, except for
 * link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254), which are
 * refused always: no local receiver lives there, and the metadata service hands out the host's
 * cloud credentials to whoever asks.
 */
public final class UrlGuard {
  /** Resolves a host name; a seam so tests can point a public-looking name at a private address. */
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final boolean allowPrivate;
  private final Resolver resolver;

  public UrlGuard(boolean allowPrivate) {
    this(allowPrivate, InetAddress::getAllByName);
  }

  public UrlGuard(boolean allowPrivate, Resolver resolver) {
    this.allowPrivate = allowPrivate;
    this.resolver = resolver;
  }

  /** Why the URL is refused, or empty when deliveries may go to it. */
  public Optional<String> refusal(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("is not a URL: " + e.getReason());
    }
    var scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("must be an http or https URL");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      return Optional.of("has no host");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry credentials; authenticate deliveries by their signature");
    }
    if (uri.getRawFragment() != null) {
      return Optional.of("must not have a fragment");
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(uri.getHost());
    } catch (UnknownHostException e) {
      // With private addresses allowed a name that does not resolve yet is accepted, as before:
      // every delivery checks again, and a name that never resolves never connects anywhere.
      return allowPrivate
          ? Optional.empty()
          : Optional.of("host '" + uri.getHost() + "' does not resolve");
    }
    for (var address : addresses) {
      var metadata = linkLocalOrMetadata(address);
      if (metadata != null) {
        return Optional.of(
            "resolves to "
                + metadata
                + " address "
                + address.getHostAddress()
                + "; link-local and cloud metadata addresses never receive webhooks");
      }
    }
    if (allowPrivate) {
      return Optional.empty();
    }
    for (var address : addresses) {
      var kind = internal(address);
      if (kind != null) {
        return Optional.of(
            "resolves to "
                + kind
                + " address "
                + address.getHostAddress()
                + "; only public addresses receive webhooks (CHARON_WEBHOOKS_ALLOW_PRIVATE=true lifts this)");
      }
    }
    return Optional.empty();
  }

  // AWS's instance metadata service over IPv6 (IPv4: 169.254.169.254, inside link-local).
  private static final byte[] AWS_METADATA_V6 = v6("fd00:ec2::254");

  private static byte[] v6(String literal) {
    try {
      return InetAddress.getByName(literal).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "a link-local" or "a cloud metadata" for the addresses refused in every mode, else null. */
  static String linkLocalOrMetadata(InetAddress address) {
    var bytes = address.getAddress();
    if (java.util.Arrays.equals(bytes, AWS_METADATA_V6)) {
      return "a cloud metadata";
    }
    if (address.isLinkLocalAddress()) {
      return "a link-local";
    }
    var mapped = v4Mapped(address);
    return mapped == null ? null : linkLocalOrMetadata(mapped);
  }

  /** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
  private static InetAddress v4Mapped(InetAddress address) {
    var bytes = address.getAddress();
    if (bytes.length != 16) {
      return null;
    }
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return null;
      }
    }
    if ((bytes[10] & 0xff) != 0xff || (bytes[11] & 0xff) != 0xff) {
      return null;
    }
    try {
      return InetAddress.getByAddress(java.util.Arrays.copyOfRange(bytes, 12, 16));
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** What kind of internal address this is, or null for a public one. */
  static String internal(InetAddress address) {
    if (address.isAnyLocalAddress()) {
      return "an unspecified";
    }
    if (address.isLoopbackAddress()) {
      return "a loopback";
    }
    if (address.isLinkLocalAddress()) {
      return "a link-local";
    }
    if (address.isSiteLocalAddress()) {
      return "a private";
    }
    if (address.isMulticastAddress()) {
      return "a multicast";
    }
    var bytes = address.getAddress();
    if (address instanceof Inet6Address) {
      if ((bytes[0] & 0xfe) == 0xfc) {
        return "a unique-local";
      }
      boolean v4Mapped = true;
      for (int i = 0; i < 10; i++) {
        v4Mapped &= bytes[i] == 0;
      }
      if (v4Mapped && (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff) {
        try {
          return internal(InetAddress.getByAddress(java.util.Arrays.copyOfRange(bytes, 12, 16)));
        } catch (UnknownHostException e) {
          return "an unreadable";
        }
      }
      return null;
    }
    int first = bytes[0] & 0xff;
    int second = bytes[1] & 0xff;
    if (first == 0) {
      return "an unspecified";
    }
    if (first == 100 && second >= 64 && second <= 127) {
      return "a carrier-grade NAT";
    }
    return null;
  }
}
