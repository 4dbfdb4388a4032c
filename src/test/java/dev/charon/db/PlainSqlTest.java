package dev.charon.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PlainSqlTest {

  @Test
  void named_parameters_become_positional_in_order_and_casts_stay() {
    var s =
        PlainSql.parse(
            "t",
            "select * from unnest(:ids::bigint[], :keys::text[]) where x = any(:ids::bigint[])");

    assertThat(s.sql())
        .isEqualTo("select * from unnest(?::bigint[], ?::text[]) where x = any(?::bigint[])");
    assertThat(s.parameters()).containsExactly("ids", "keys", "ids");
  }

  @Test
  void colons_inside_literals_and_quoted_identifiers_are_not_parameters() {
    var s = PlainSql.parse("t", "select 'a:b', \"c:d\", now()::date, :max limit :max");

    assertThat(s.sql()).isEqualTo("select 'a:b', \"c:d\", now()::date, ? limit ?");
    assertThat(s.parameters()).containsExactly("max", "max");
  }

  @Test
  void an_unterminated_quote_is_refused() {
    assertThatThrownBy(() -> PlainSql.parse("t", "select ':x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("unterminated");
  }

  @Test
  void the_charge_path_statements_parse_with_the_parameters_they_are_given() {
    assertThat(PlainSql.of("charging/claim").parameters())
        .containsExactlyInAnyOrder("max", "owner", "lease");
    assertThat(PlainSql.of("charging/lock-invoices").parameters()).containsExactly("ids");
    assertThat(PlainSql.of("charging/settle").parameters())
        .contains("invoices", "attempts", "calls", "outcomes", "codes", "worker")
        .doesNotContain("bigint", "text", "int", "timestamptz");
    assertThat(PlainSql.of("charging/settle").sql()).doesNotContain(":invoices", "${");
  }
}
