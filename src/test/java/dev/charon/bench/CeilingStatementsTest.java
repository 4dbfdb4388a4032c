package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.Intake;
import dev.charon.db.SqlFiles;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.testing.Billing;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.ChargeOnlyProvider;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ceiling runs the engine's statements, not copies of them (issue 17), checked where it
 * matters: the SQL a billing run and a worker send to PostgreSQL while they charge, recorded on the
 * JDBC connection, holds every statement file the ceiling includes.
 */
class CeilingStatementsTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  // ":name" as JDBI and PlainSql turn it into "?"; a "::" cast and "HH24:MI" in a literal stay.
  private static final Pattern PARAMETER = Pattern.compile("(?<![:\\w]):[A-Za-z_]\\w*");

  @Test
  void the_billing_run_and_the_worker_run_every_statement_the_ceiling_includes() {
    db.clean();
    var prepared = new ConcurrentLinkedQueue<String>();
    var jdbi = Jdbi.create(recording(db.dataSource(), prepared));
    var billing = new Billing(jdbi);
    billing.dueRun(5);
    var clock = Clock.systemUTC();
    var metrics = new SimpleMeterRegistry();
    var engine =
        new ChargeEngine(
            jdbi,
            ChargeOnlyProvider.of(r -> new ChargeOutcome.Charged("ch_" + r.invoiceId())),
            ChargeFixtures.policy(),
            ChargeFixtures.breaker(clock),
            clock,
            "ceiling-test",
            metrics);
    var intake =
        Intake.table(jdbi, engine, "ceiling-test", Duration.ofSeconds(60), Duration.ofMillis(20));
    try (var worker = new ChargeWorker(intake, engine, 2, metrics).start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> billing.inFlight() == 0);
    }

    var sent = prepared.stream().map(CeilingStatementsTest::normalized).toList();
    for (var name : concat(CeilingScript.HAPPY_PATH, List.of("billing/produce"))) {
      assertThat(sent)
          .as("sql/%s.sql, as the ceiling includes it, among the statements sent", name)
          .contains(normalized(SqlFiles.get(name)));
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  private static String normalized(String sql) {
    return PARAMETER.matcher(sql).replaceAll("?").replaceAll("\\s+", " ").strip();
  }

  /** The pool's connections, with the text of every statement prepared on them recorded. */
  private static DataSource recording(DataSource pool, ConcurrentLinkedQueue<String> prepared) {
    return (DataSource)
        Proxy.newProxyInstance(
            CeilingStatementsTest.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              var result = invoke(pool, method, args);
              return method.getName().equals("getConnection")
                  ? recording((Connection) result, prepared)
                  : result;
            });
  }

  private static Connection recording(Connection c, ConcurrentLinkedQueue<String> prepared) {
    return (Connection)
        Proxy.newProxyInstance(
            CeilingStatementsTest.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method
                  .getName()
                  .startsWith("prepare")) { // prepareStatement and prepareCall: SQL first
                prepared.add((String) args[0]);
              }
              return invoke(c, method, args);
            });
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
