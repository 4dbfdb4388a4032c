package dev.charon.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UrlGuardTest {
  private final UrlGuard guard = new UrlGuard(false);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "https://10.1.2.3/hook",
        "http://172.16.0.9/",
        "http://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fd12:3456::1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "http://224.0.0.1/"
      })
  void internal_addresses_are_refused(String url) {
    assertThat(guard.refusal(url)).as(url).get().asString().contains("address");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://example.com/",
        "not a url",
        "http:///nohost",
        "https://user:pass@example.com/hook"
      })
  void only_plain_http_and_https_urls_are_accepted(String url) {
    assertThat(guard.refusal(url)).as(url).isPresent();
    assertThat(new UrlGuard(true).refusal(url))
        .as("allowing private addresses does not allow other schemes")
        .isPresent();
  }

  @Test
  void a_public_name_that_resolves_to_a_private_address_is_refused() throws UnknownHostException {
    var rebinding =
        new UrlGuard(
            false,
            host ->
                new InetAddress[] {
                  InetAddress.getByName("93.184.215.14"), InetAddress.getByName("10.0.0.5")
                });
    assertThat(rebinding.refusal("https://hooks.example.com/in"))
        .get()
        .asString()
        .contains("10.0.0.5");
    var publicOnly =
        new UrlGuard(false, host -> new InetAddress[] {InetAddress.getByName("93.184.215.14")});
    assertThat(publicOnly.refusal("https://hooks.example.com/in")).isEmpty();
    var unknown =
        new UrlGuard(
            false,
            host -> {
              throw new UnknownHostException(host);
            });
    assertThat(unknown.refusal("https://nowhere.invalid/"))
        .get()
        .asString()
        .contains("does not resolve");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://169.254.169.254/latest/meta-data",
        "http://169.254.0.1/hook",
        "http://[fe80::1]/hook",
        "http://[fd00:ec2::254]/latest/meta-data",
        "http://[::ffff:169.254.169.254]/latest/meta-data"
      })
  void link_local_and_metadata_addresses_are_refused_even_when_private_addresses_are_allowed(
      String url) {
    assertThat(new UrlGuard(true).refusal(url))
        .as(url)
        .get()
        .asString()
        .containsAnyOf("link-local", "cloud metadata");
    assertThat(guard.refusal(url)).as(url).isPresent();
  }

  @Test
  void a_name_that_resolves_to_the_metadata_service_is_refused_when_private_addresses_are_allowed()
      throws UnknownHostException {
    var metadata =
        new UrlGuard(true, host -> new InetAddress[] {InetAddress.getByName("169.254.169.254")});
    assertThat(metadata.refusal("http://metadata.internal/computeMetadata/v1/"))
        .get()
        .asString()
        .contains("169.254.169.254");
    var otherUniqueLocal =
        new UrlGuard(true, host -> new InetAddress[] {InetAddress.getByName("fd00:ec2::253")});
    assertThat(otherUniqueLocal.refusal("http://receiver.internal/hook"))
        .as("other unique-local addresses stay allowed for local receivers")
        .isEmpty();
  }

  @Test
  void allow_private_lets_local_receivers_through() {
    assertThat(new UrlGuard(true).refusal("http://127.0.0.1:9000/hook")).isEmpty();
    assertThat(new UrlGuard(true).refusal("http://10.0.0.8/hook")).isEmpty();
  }
}
