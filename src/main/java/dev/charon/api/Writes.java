package dev.charon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a POST in one transaction and makes it idempotent when the client sends an {@code
 * Idempotency-Key} (Stripe's semantics): the first response for a key is stored with the write, in
 * the same transaction, and replayed (with {@code Idempotent-Replayed: true}) for every later
 * request with that key; the same key with a different method, path or body is 422. Keys belong to
 * the API key that used them and expire after {@link #TTL}. A request that fails (any error
 * response) stores nothing, so the client may correct it and send it again with the same key. A
 * second request with a key whose first request is still running waits for it on the key's row.
 */
public final class Writes {
  public static final Duration TTL = Duration.ofHours(24);
  public static final String HEADER = "Idempotency-Key";
  static final int PURGE_BATCH = 100;
  private static final Logger log = LoggerFactory.getLogger(Writes.class);

  private final Jdbi jdbi;
  private final ObjectMapper json;
  private final Clock clock;
  private final Counter replays;

  public Writes(Jdbi jdbi, ObjectMapper json, Clock clock, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.json = json;
    this.clock = clock;
    this.replays =
        Counter.builder("charon.api.idempotent.replays")
            .description("POST responses replayed for a repeated Idempotency-Key")
            .register(metrics);
  }

  /** What a write answers: status, JSON body, and where the created resource lives, if any. */
  public record Reply(int status, Object body, String location) {
    public static Reply ok(Object body) {
      return new Reply(200, body, null);
    }

    public static Reply created(Object body, String location) {
      return new Reply(201, body, location);
    }
  }

  private record Stored(int status, String body, String location, boolean replayed) {}

  /** Runs {@code write} in a transaction (its handle is the argument) and answers its reply. */
  public void handle(Context ctx, Function<Handle, Reply> write) {
    handle(ctx, write, Function.identity());
  }

  /**
   * Like {@link #handle(Context, Function)}, but a reply body shown once (it carries a secret) is
   * stored for replays as {@code storedForm} makes it: a replay answers without the secret.
   */
  public void handle(
      Context ctx, Function<Handle, Reply> write, Function<Object, Object> storedForm) {
    var caller = Caller.of(ctx);
    var key = ctx.header(HEADER);
    if (key != null && !validKey(key)) {
      throw ApiError.invalid(
          List.of(
              new Problem.FieldError(
                  HEADER, "must be 1 to 255 visible ASCII characters, such as a UUID")));
    }
    var hash = key == null ? null : requestHash(ctx);
    var stored =
        jdbi.inTransaction(
            h -> {
              if (key != null && !claim(h, caller, key, ctx, hash)) {
                return replay(h, caller, key, ctx, hash);
              }
              var reply = write.apply(h);
              var body = serialize(reply.body());
              if (key != null) {
                var kept = serialize(storedForm.apply(reply.body()));
                h.createUpdate(
                        "update idempotency_key set status = :status, body = :body, location = :location "
                            + "where api_key_id = :caller and key = :key")
                    .bind("status", reply.status())
                    .bind("body", kept)
                    .bind("location", reply.location())
                    .bind("caller", caller.keyId())
                    .bind("key", key)
                    .execute();
              }
              return new Stored(reply.status(), body, reply.location(), false);
            });
    if (stored.replayed()) {
      replays.increment();
      log.info(
          "replayed the response to {} {} for Idempotency-Key of {}",
          ctx.method(),
          ctx.path(),
          caller.actor());
      ctx.header("Idempotent-Replayed", "true");
    }
    if (stored.location() != null) {
      ctx.header("Location", stored.location());
    }
    ctx.status(stored.status()).contentType("application/json").result(stored.body());
  }

  /**
   * Inserts the key's row (status 0 until the write's reply is known); false if it exists. Every
   * keyed request also removes up to {@link #PURGE_BATCH} expired keys of anyone, so the table
   * stays about one TTL of traffic big without a separate cleanup job.
   */
  private boolean claim(Handle h, Caller caller, String key, Context ctx, byte[] hash) {
    var now = clock.instant();
    var expired = Timestamp.from(now.minus(TTL));
    // An expired key is free again: drop its old result first (this row lock serializes too).
    h.createUpdate(
            "delete from idempotency_key where api_key_id = :caller and key = :key and created_at < :expired")
        .bind("caller", caller.keyId())
        .bind("key", key)
        .bind("expired", expired)
        .execute();
    h.createUpdate(
            """
            delete from idempotency_key where (api_key_id, key) in (
                select api_key_id, key from idempotency_key where created_at < :expired
                order by created_at limit :batch for update skip locked)""")
        .bind("expired", expired)
        .bind("batch", PURGE_BATCH)
        .execute();
    return h.createUpdate(
                "insert into idempotency_key (api_key_id, key, method, path, request_hash, status, body, created_at) "
                    + "values (:caller, :key, :method, :path, :hash, 0, '', :at) on conflict do nothing")
            .bind("caller", caller.keyId())
            .bind("key", key)
            .bind("method", ctx.method().name())
            .bind("path", ctx.path())
            .bind("hash", hash)
            .bind("at", Timestamp.from(now))
            .execute()
        == 1;
  }

  private Stored replay(Handle h, Caller caller, String key, Context ctx, byte[] hash) {
    var row =
        h.createQuery(
                "select method, path, request_hash, status, body, location from idempotency_key "
                    + "where api_key_id = :caller and key = :key")
            .bind("caller", caller.keyId())
            .bind("key", key)
            .mapToMap()
            .one();
    if (!ctx.method().name().equals(row.get("method"))
        || !ctx.path().equals(row.get("path"))
        || !Arrays.equals(hash, (byte[]) row.get("request_hash"))) {
      throw ApiError.unprocessable(
          "The Idempotency-Key was already used for a different request ("
              + row.get("method")
              + " "
              + row.get("path")
              + " with another body); use a new key for a new request");
    }
    return new Stored(
        ((Number) row.get("status")).intValue(),
        (String) row.get("body"),
        (String) row.get("location"),
        true);
  }

  private static boolean validKey(String key) {
    return !key.isEmpty() && key.length() <= 255 && key.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }

  private static byte[] requestHash(Context ctx) {
    try {
      var digest = MessageDigest.getInstance("SHA-256");
      digest.update(
          (ctx.method().name() + " " + ctx.path() + "\n").getBytes(StandardCharsets.UTF_8));
      return digest.digest(ctx.bodyAsBytes());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private String serialize(Object body) {
    try {
      return json.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a reply must serialize", e);
    }
  }
}
