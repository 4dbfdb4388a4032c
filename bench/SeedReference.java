// The seed solution's approach as a reference line (issue 6): fetch the pending invoices, then for
// each one call the provider and write the result, either one after another or from a 2-thread
// parallel stream (the original BillingService did `fetchAll().filter(PENDING).forEach(charge)`).
// It calls the same HTTP gateway as Charon and writes what `charon audit` needs (the attempt with
// its key and the provider's reference, the invoice PAID), so the same audit checks it.
//
//   java -cp charon.jar bench/SeedReference.java <jdbc-url> <gateway-url> <invoices> sequential|parallel
//
// Prints one line: mode=<mode> invoices=<n> paid=<n> seconds=<s> rate=<invoices/s>
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

public class SeedReference {
  record Invoice(long id, long customerId, long amountMinor, String currency) {}

  private static final Pattern CHARGE_ID = Pattern.compile("\"chargeId\"\\s*:\\s*\"([^\"]+)\"");

  public static void main(String[] args) throws Exception {
    String jdbcUrl = args[0];
    URI charges = URI.create(args[1].replaceAll("/+$", "") + "/charges");
    int limit = Integer.parseInt(args[2]);
    String mode = args[3];
    var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    var invoices = new ArrayList<Invoice>();
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
      try (var st = c.prepareStatement(
          "select id, customer_id, amount_minor, currency from invoice where status = 'PENDING' order by id limit ?")) {
        st.setInt(1, limit);
        try (var rs = st.executeQuery()) {
          while (rs.next()) {
            invoices.add(new Invoice(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4)));
          }
        }
      }
    }
    var paid = new AtomicInteger();
    long start = System.nanoTime();
    if (mode.equals("sequential")) {
      try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
        for (var invoice : invoices) {
          if (charge(http, charges, c, invoice)) {
            paid.incrementAndGet();
          }
        }
      }
    } else {
      // A parallel stream on a 2-thread pool: one connection per thread, as a pool would hand out.
      var pool = new ForkJoinPool(2);
      var connections = ThreadLocal.withInitial(() -> {
        try {
          return DriverManager.getConnection(jdbcUrl, "postgres", "");
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      pool.submit(() -> invoices.parallelStream().forEach(invoice -> {
        try {
          if (charge(http, charges, connections.get(), invoice)) {
            paid.incrementAndGet();
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      })).get();
      pool.shutdown();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(java.util.Locale.ROOT, "mode=%s invoices=%d paid=%d seconds=%.2f rate=%.1f%n",
        mode, invoices.size(), paid.get(), seconds, invoices.size() / seconds);
  }

  /** One invoice: call the provider, then record the attempt and the new status in one transaction. */
  static boolean charge(HttpClient http, URI charges, Connection c, Invoice invoice) throws Exception {
    String key = "seedref-" + invoice.id() + "-" + UUID.randomUUID();
    String body = "{\"invoiceId\":%d,\"customerId\":%d,\"amountMinor\":%d,\"currency\":\"%s\"}"
        .formatted(invoice.id(), invoice.customerId(), invoice.amountMinor(), invoice.currency());
    var response = http.send(
        HttpRequest.newBuilder(charges).header("Idempotency-Key", key).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    var m = CHARGE_ID.matcher(response.body());
    if (response.statusCode() != 201 || !m.find()) {
      return false;
    }
    c.setAutoCommit(false);
    try (var attempt = c.prepareStatement(
            "insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, worker, calls,"
                + " outcome, provider_reference, completed_at) values (?, 1, ?, ?, ?, 'seed-reference', 1, 'CHARGED', ?, now())");
        var update = c.prepareStatement(
            "update invoice set status = 'PAID', paid_at = now(), attempt_count = 1, status_reason = 'charged',"
                + " status_actor = 'seed-reference' where id = ? and status = 'PENDING'")) {
      attempt.setLong(1, invoice.id());
      attempt.setString(2, key);
      attempt.setLong(3, invoice.amountMinor());
      attempt.setString(4, invoice.currency());
      attempt.setString(5, m.group(1));
      attempt.executeUpdate();
      update.setLong(1, invoice.id());
      update.executeUpdate();
      c.commit();
    } finally {
      c.setAutoCommit(true);
    }
    return true;
  }
}
