package dev.charon.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The console's pages as the server serves them carry a policy that still lets them run. */
class ContentSecurityPolicyTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static TestApi api;

  @BeforeAll
  static void start() {
    api = TestApi.start(db.jdbi(), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void console_pages_refuse_framing_and_foreign_scripts() {
    {
      for (var page : new String[] {"/", "/docs"}) {
        var answer = api.anonymous().get(page);
        assertThat(answer.status()).as(page).isEqualTo(200);
        var policy = answer.header("Content-Security-Policy");
        assertThat(policy)
            .as(page)
            .contains("frame-ancestors 'none'")
            .contains("default-src 'none'")
            .contains("script-src 'self'")
            .contains("connect-src 'self'")
            .doesNotContain("'unsafe-eval'")
            .doesNotContain("script-src 'self' 'unsafe-inline'");
        assertThat(answer.header("X-Frame-Options")).as(page).isEqualTo("DENY");
      }
      assertThat(api.anonymous().get("/").header("Content-Security-Policy"))
          .as("the console's own page needs no inline styles")
          .contains("style-src 'self';");
    }
  }

  @Test
  void the_console_import_map_is_allowed_by_the_hash_of_the_served_page() throws Exception {
    {
      var answer = api.anonymous().get("/");
      var importMap =
          Pattern.compile("<script type=\"importmap\">(.*?)</script>", Pattern.DOTALL)
              .matcher(answer.body());
      assertThat(importMap.find()).as("the console has an import map").isTrue();
      assertThat(importMap.group(1))
          .as("resource filtering wrote the version")
          .doesNotContain("${");
      var hash =
          Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-256")
                      .digest(importMap.group(1).getBytes(StandardCharsets.UTF_8)));
      assertThat(answer.header("Content-Security-Policy")).contains("'sha256-" + hash + "'");
    }
  }

  @Test
  void a_page_without_inline_scripts_allows_only_its_own_origin() {
    var policy =
        ContentSecurityPolicy.forPage(
            "<html><script src=\"/console/app.js\"></script></html>", false);
    assertThat(policy).contains("script-src 'self';").doesNotContain("sha256");
  }
}
