package dev.charon.invoice.domain;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders the invoice status names a statement writes as tokens into SQL literals: {@code
 * ${PAY.from}}, {@code ${PAY.to}}, {@code ${PAY.actor}} from {@link InvoiceTransition} (writes),
 * {@code ${status.PAID}} or {@code ${status.PAID,REFUNDED}} from {@link InvoiceStatus} (reads). A
 * literal, not a parameter, so that the planner matches the partial indexes on status; a name the
 * lifecycle does not know throws {@link IllegalArgumentException} naming it. {@code db.SqlFiles}
 * renders its files with it; repositories render their text blocks with {@code SqlFiles.statement},
 * or with this where the package cannot see {@code db} (the invoice package).
 */
public final class StatusSql {
  private static final Pattern TOKEN =
      Pattern.compile("\\$\\{(?:([A-Z_]+)\\.(from|to|actor)|status\\.([A-Z_]+(?:,[A-Z_]+)*))}");

  private StatusSql() {}

  public static String render(String sql) {
    return TOKEN
        .matcher(sql)
        .replaceAll(
            m -> {
              if (m.group(3) != null) {
                return Arrays.stream(m.group(3).split(","))
                    .map(name -> "'" + InvoiceStatus.valueOf(name).name() + "'")
                    .collect(Collectors.joining(", "));
              }
              var transition = InvoiceTransition.valueOf(m.group(1));
              return switch (m.group(2)) {
                case "from" -> transition.sqlFrom();
                case "to" -> transition.sqlTo();
                default -> transition.sqlActor();
              };
            });
  }
}
