package dev.charon.invoice.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class InvoiceTransitionTest {

  @Test
  void every_status_is_reached_by_some_transition_and_only_created_invoices_start_nowhere() {
    var reached = EnumSet.noneOf(InvoiceStatus.class);
    Arrays.stream(InvoiceTransition.values()).forEach(t -> reached.add(t.to()));
    assertThat(reached).containsExactlyInAnyOrder(InvoiceStatus.values());
    assertThat(Arrays.stream(InvoiceTransition.values()).filter(InvoiceTransition::creates))
        .containsExactlyInAnyOrder(
            InvoiceTransition.CREATE,
            InvoiceTransition.CREATE_FROM_SUBSCRIPTION,
            InvoiceTransition.SEED_DUE,
            InvoiceTransition.SEED_PAID);
  }

  @Test
  void
      only_refunds_and_disputes_leave_paid_nothing_leaves_void_and_only_a_worker_the_reconciliation_or_the_provider_settles_a_charge() {
    var leavingPaid =
        Arrays.stream(InvoiceTransition.values())
            .filter(t -> t.allowedFrom(InvoiceStatus.PAID))
            .toList();
    assertThat(leavingPaid)
        .containsExactlyInAnyOrder(
            InvoiceTransition.REFUND_PARTLY,
            InvoiceTransition.REFUND_WHOLLY,
            InvoiceTransition.DISPUTE);
    for (var t : InvoiceTransition.values()) {
      assertThat(t.allowedFrom(InvoiceStatus.VOID)).as(t.name()).isFalse();
      assertThat(t.allowedFrom(InvoiceStatus.REFUNDED)).as(t.name()).isFalse();
      if (t.allowedFrom(InvoiceStatus.PROCESSING)) {
        // The reconciliation records the charge the provider made, the outcome a worker would; the
        // provider reports a PaymentIntent the worker left open (processing) as settled.
        assertThat(t.actor())
            .as(t.name())
            .isIn(
                InvoiceTransition.Actor.WORKER,
                InvoiceTransition.Actor.RECONCILIATION,
                InvoiceTransition.Actor.PROVIDER);
      }
    }
  }

  @Test
  void a_change_needs_a_reason_and_the_transitions_own_actor() {
    assertThat(InvoiceTransition.VOID.by("key:ops", "duplicate").actor()).isEqualTo("key:ops");
    assertThat(InvoiceTransition.ENQUEUE.because("enqueued").actor()).isEqualTo("billing-run");
    assertThatThrownBy(() -> InvoiceTransition.VOID.by("key:ops", " "))
        .hasMessageContaining("needs a reason");
    assertThatThrownBy(() -> InvoiceTransition.PAY.by("", "charged"))
        .hasMessageContaining("needs an actor");
    assertThatThrownBy(() -> InvoiceTransition.ENQUEUE.by("someone", "enqueued"))
        .hasMessageContaining("billing-run");
    assertThatThrownBy(() -> InvoiceTransition.PAY.because("charged"))
        .hasMessageContaining("named WORKER");
  }

  @Test
  void sql_literals_name_the_transitions_statuses() {
    assertThat(InvoiceTransition.ENQUEUE.sqlFrom()).isEqualTo("'PENDING'");
    assertThat(InvoiceTransition.VOID.sqlFrom())
        .isEqualTo("'PENDING', 'RETRY_SCHEDULED', 'ACTION_REQUIRED', 'UNCOLLECTIBLE'");
    assertThat(InvoiceTransition.PAY.sqlTo()).isEqualTo("'PAID'");
    assertThat(InvoiceTransition.ENQUEUE_RETRY.sqlActor()).isEqualTo("'retry-task'");
    assertThat(InvoiceTransition.REFUND_PARTLY.sqlFrom()).isEqualTo("'PAID', 'PARTIALLY_REFUNDED'");
    assertThat(InvoiceTransition.PAY_WITH_CREDIT.sqlTo()).isEqualTo("'PAID'");
  }

  // A status written as a literal in main code bypasses the lifecycle: a new path to a status
  // must be a transition here first.
  private static final Pattern LITERAL_STATUS_WRITE =
      Pattern.compile(
          "(set\\s+status\\s*=\\s*'|then\\s+'("
              + String.join("|", names())
              + ")'|status_actor\\s*=\\s*')",
          Pattern.CASE_INSENSITIVE);

  @Test
  void no_main_code_writes_an_invoice_status_or_system_actor_as_an_sql_literal()
      throws IOException {
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      var offenders =
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(
                  p ->
                      !p.toString()
                          .contains("dev/charon/api/Writes.java")) // idempotency_key.status
              .filter(p -> LITERAL_STATUS_WRITE.matcher(read(p)).find())
              .toList();
      assertThat(offenders).isEmpty();
    }
  }

  private static String[] names() {
    return Arrays.stream(InvoiceStatus.values()).map(Enum::name).toArray(String[]::new);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
