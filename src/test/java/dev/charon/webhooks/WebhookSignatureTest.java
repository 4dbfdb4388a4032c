package dev.charon.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  // The test vector of the Standard Webhooks reference libraries (libraries/go/webhook_test.go,
  // TestWebhookSign).
  static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  static final long SPEC_TIMESTAMP = 1614265330;
  static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  private static WebhookVerifier verifierAt(String secret, long epochSecond) {
    return new WebhookVerifier(
        secret, Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
  }

  @Test
  void signing_matches_the_specs_test_vector() {
    assertThat(WebhookSecret.parse(SPEC_SECRET).sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY))
        .isEqualTo(SPEC_SIGNATURE);
  }

  @Test
  void the_verifier_accepts_the_specs_vector_and_refuses_any_change() throws Exception {
    var verifier = verifierAt(SPEC_SECRET, SPEC_TIMESTAMP + 10);
    verifier.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_BODY);
    verifier.verify(
        SPEC_ID, Long.toString(SPEC_TIMESTAMP), "v1,bm90IHRoaXMgb25l " + SPEC_SIGNATURE, SPEC_BODY);
    var tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(
            () -> verifier.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, tampered))
        .isInstanceOf(WebhookVerifier.Invalid.class);
    assertThatThrownBy(
            () ->
                verifier.verify(
                    "msg_other", Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_BODY))
        .isInstanceOf(WebhookVerifier.Invalid.class);
    assertThatThrownBy(
            () ->
                verifier.verify(
                    SPEC_ID,
                    Long.toString(SPEC_TIMESTAMP),
                    SPEC_SIGNATURE.replace("v1,", "v2,"),
                    SPEC_BODY))
        .isInstanceOf(WebhookVerifier.Invalid.class);
    assertThatThrownBy(
            () ->
                verifierAt(WebhookSecret.generate().reveal(), SPEC_TIMESTAMP)
                    .verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_BODY))
        .isInstanceOf(WebhookVerifier.Invalid.class);
  }

  @Test
  void a_timestamp_outside_five_minutes_is_refused_as_a_replay() {
    var late = verifierAt(SPEC_SECRET, SPEC_TIMESTAMP + 301);
    assertThatThrownBy(
            () -> late.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_BODY))
        .isInstanceOf(WebhookVerifier.Invalid.class)
        .hasMessageContaining("tolerance");
    var early = verifierAt(SPEC_SECRET, SPEC_TIMESTAMP - 301);
    assertThatThrownBy(
            () -> early.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_BODY))
        .isInstanceOf(WebhookVerifier.Invalid.class);
  }

  @Test
  void openssl_computes_the_same_signature_as_the_readme_shows() throws Exception {
    var secret = WebhookSecret.generate();
    var body =
        "{\"specversion\":\"1.0\",\"id\":\"6f1c\",\"type\":\"invoice.paid\",\"data\":{\"amountMinor\":1250}}";
    var id = "6f1c0f8e-2b51-4c8e-9a0e-3d1c2b7a9f10";
    long timestamp = 1764547200;
    // The README's recipe, run by a shell: an implementation that shares no code with ours.
    var process =
        new ProcessBuilder(
                "sh",
                "-c",
                """
        KEY=$(printf '%s' "${SECRET#whsec_}" | openssl base64 -d -A | od -An -vtx1 | tr -d ' \\n')
        printf '%s.%s.' "$WEBHOOK_ID" "$WEBHOOK_TIMESTAMP" | cat - "$BODY_FILE" \\
          | openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEY -binary | openssl base64 -A
        """)
            .redirectErrorStream(true);
    var bodyFile = java.nio.file.Files.createTempFile("webhook-body", ".json");
    java.nio.file.Files.writeString(bodyFile, body);
    process
        .environment()
        .putAll(
            java.util.Map.of(
                "WEBHOOK_ID",
                id,
                "WEBHOOK_TIMESTAMP",
                Long.toString(timestamp),
                "BODY_FILE",
                bodyFile.toString(),
                "SECRET",
                secret.reveal()));
    var running = process.start();
    var output = new String(running.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(running.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(running.exitValue()).as(output).isZero();
    java.nio.file.Files.delete(bodyFile);
    assertThat("v1," + output)
        .isEqualTo(secret.sign(id, timestamp, body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void a_sealed_secret_opens_only_with_its_key_and_holds_no_plain_copy() {
    var key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    var box = new SecretBox(key);
    var secret = WebhookSecret.generate();
    var sealed = box.seal(secret);
    assertThat(box.open(sealed)).isEqualTo(secret);
    assertThat(HexFormat.of().formatHex(sealed))
        .doesNotContain(HexFormat.of().formatHex(secret.key()));
    var other = new byte[32];
    assertThatThrownBy(() -> new SecretBox(other).open(sealed))
        .hasMessageContaining("CHARON_WEBHOOKS_KEY");
  }
}
