package dev.charon.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.invoice.domain.InvoiceTransition;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlFilesTest {
  private static final List<String> FILES =
      List.of(
          "charging/claim",
          "charging/open-lock",
          "charging/open-drop-stale",
          "charging/open-reconcile",
          "charging/open-insert",
          "charging/lock-invoices",
          "charging/settle",
          "charging/defer",
          "billing/produce");

  @Test
  void every_statement_loads_without_its_comments_and_with_every_status_resolved() {
    for (var name : FILES) {
      var sql = SqlFiles.get(name);
      assertThat(sql).as(name).isNotBlank().doesNotContain("${").doesNotContain("--");
    }
  }

  @Test
  void status_names_come_from_the_invoice_lifecycle() {
    assertThat(SqlFiles.get("billing/produce"))
        .contains("status in (" + InvoiceTransition.ENQUEUE.sqlFrom() + ")")
        .contains("set status = " + InvoiceTransition.ENQUEUE.sqlTo())
        .contains("status_actor = " + InvoiceTransition.ENQUEUE.sqlActor());
    assertThat(SqlFiles.get("charging/settle"))
        .contains("status in (" + InvoiceTransition.PAY.sqlFrom() + ") as moving");
  }

  @Test
  void a_read_names_statuses_through_the_lifecycle_type_too() {
    assertThat(
            SqlFiles.statement(
                "select 1 from invoice where status = ${status.PAID} or status in (${status.VOID,REFUNDED})"))
        .isEqualTo("select 1 from invoice where status = 'PAID' or status in ('VOID', 'REFUNDED')");
  }

  @Test
  void a_status_the_lifecycle_does_not_know_fails_when_the_statement_is_rendered() {
    assertThatThrownBy(() -> SqlFiles.statement("select 1 where status = ${status.PAYED}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PAYED");
  }

  @Test
  void a_missing_file_is_an_error_naming_it() {
    assertThatThrownBy(() -> SqlFiles.get("charging/nothing"))
        .hasMessageContaining("sql/charging/nothing.sql");
  }
}
