package dev.charon.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, lists, revokes and checks API keys. A secret is {@code chk_} plus 43 base64url
 * characters (256 random bits); it is returned once by {@link #create} and stored only as its
 * SHA-256. Nothing here logs a secret.
 */
public final class ApiKeys {
  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);
  static final String SCHEME = "chk_";
  private static final int PREFIX_LENGTH = SCHEME.length() + 6;
  private static final String COLUMNS = "id, name, role, prefix, created_at, revoked_at";

  private final Jdbi jdbi;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public ApiKeys(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** A key just created, with the secret its holder must keep: it is not stored anywhere. */
  public record Created(ApiKey key, String secret) {}

  /** Creates a key. Names are unique among all keys ever created, revoked or not. */
  public Created create(Role role, String name) {
    if (name == null || name.isBlank() || name.length() > 100) {
      throw new IllegalArgumentException("a key name is 1 to 100 characters");
    }
    var bytes = new byte[32];
    random.nextBytes(bytes);
    var secret = SCHEME + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    var key =
        jdbi.withHandle(
                h ->
                    h.createQuery(
                            "insert into api_key (name, role, prefix, secret_hash, created_at) "
                                + "values (:name, :role, :prefix, :hash, :at) on conflict (name) do nothing returning "
                                + COLUMNS)
                        .bind("name", name.strip())
                        .bind("role", role.label())
                        .bind("prefix", secret.substring(0, PREFIX_LENGTH))
                        .bind("hash", sha256(secret))
                        .bind("at", Timestamp.from(clock.instant()))
                        .map((rs, ctx) -> map(rs))
                        .findOne())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "an API key named '" + name.strip() + "' already exists"));
    log.info("API key {} ({}, {}…) created", key.name(), role.label(), key.prefix());
    return new Created(key, secret);
  }

  /** Revokes the key with this name; false when there is none or it was already revoked. */
  public boolean revoke(String name) {
    int revoked =
        jdbi.withHandle(
            h ->
                h.createUpdate(
                        "update api_key set revoked_at = :at where name = :name and revoked_at is null")
                    .bind("name", name)
                    .bind("at", Timestamp.from(clock.instant()))
                    .execute());
    if (revoked > 0) {
      log.info("API key {} revoked", name);
    }
    return revoked > 0;
  }

  public List<ApiKey> list() {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from api_key order by id")
                .map((rs, ctx) -> map(rs))
                .list());
  }

  /** The live (not revoked) key with this secret. */
  public Optional<ApiKey> authenticate(String secret) {
    if (secret == null || !secret.startsWith(SCHEME) || secret.length() > 200) {
      return Optional.empty();
    }
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + COLUMNS
                        + " from api_key where secret_hash = :hash and revoked_at is null")
                .bind("hash", sha256(secret))
                .map((rs, ctx) -> map(rs))
                .findOne());
  }

  static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static ApiKey map(ResultSet rs) throws SQLException {
    var revoked = rs.getTimestamp("revoked_at");
    return new ApiKey(
        rs.getLong("id"),
        rs.getString("name"),
        Role.parse(rs.getString("role")).orElseThrow(),
        rs.getString("prefix"),
        rs.getTimestamp("created_at").toInstant(),
        revoked == null ? null : revoked.toInstant());
  }
}
