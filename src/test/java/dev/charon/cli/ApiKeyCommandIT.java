package dev.charon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.testing.CharonProcess;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Clock;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code charon api-key create|list|revoke} as an operator runs them, against a real database. */
class ApiKeyCommandIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  @Test
  void
      a_key_created_on_the_command_line_works_until_it_is_revoked_and_its_secret_is_never_listed() {
    try (var api = TestApi.start(db.jdbi(), Clock.systemUTC())) {
      var create = run("api-key", "create", "--role", "reader", "--name", "metabase-sync");
      assertThat(create.code()).as(create.output()).isZero();
      var secret =
          Pattern.compile("^(chk_[A-Za-z0-9_-]{43})$", Pattern.MULTILINE).matcher(create.output());
      assertThat(secret.find()).as(create.output()).isTrue();
      var reader = api.anonymous().bearer(secret.group(1));
      assertThat(reader.get("/rest/v1/invoices").status()).isEqualTo(200);
      assertThat(reader.post("/rest/v1/customers", "{\"currency\":\"EUR\"}").status())
          .isEqualTo(403);

      var list = run("api-key", "list");
      assertThat(list.output())
          .contains("metabase-sync")
          .contains("reader")
          .doesNotContain(secret.group(1));

      assertThat(run("api-key", "revoke", "metabase-sync").code()).isZero();
      assertThat(reader.get("/rest/v1/invoices").status()).isEqualTo(401);
      assertThat(run("api-key", "revoke", "metabase-sync").code())
          .as("already revoked")
          .isEqualTo(1);
    }
  }

  @Test
  void a_bad_role_or_a_taken_name_is_refused_with_a_clear_message() {
    var badRole = run("api-key", "create", "--role", "admin", "--name", "x");
    assertThat(badRole.code()).isEqualTo(2);
    assertThat(badRole.output()).contains("--role must be reader or operator");
    assertThat(run("api-key", "create", "--role", "operator", "--name", "ops").code()).isZero();
    var taken = run("api-key", "create", "--role", "operator", "--name", "ops");
    assertThat(taken.code()).isEqualTo(2);
    assertThat(taken.output()).contains("already exists");
  }

  private record Result(int code, String output) {}

  private static Result run(String... args) {
    try (var process = CharonProcess.start(db.processEnv(), args)) {
      int code = process.waitFor(60);
      return new Result(code, process.output());
    }
  }
}
