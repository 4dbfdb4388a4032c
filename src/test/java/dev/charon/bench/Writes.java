package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Row writes per charged invoice, per table, from pg_stat_user_tables: what the write path costs
 * (request insert and delete, invoice updates, attempt insert and update, history, outbox).
 */
final class Writes {
  static final List<String> COUNTERS =
      List.of("n_tup_ins", "n_tup_upd", "n_tup_hot_upd", "n_tup_del");

  private Writes() {}

  static Map<String, long[]> snapshot(Sql sql, String db) {
    var out = new TreeMap<String, long[]>();
    for (var row :
        sql.rows(
            db, "select relname, " + String.join(", ", COUNTERS) + " from pg_stat_user_tables")) {
      var values = new long[COUNTERS.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = ((Number) row.get(COUNTERS.get(i))).longValue();
      }
      out.put((String) row.get("relname"), values);
    }
    return out;
  }

  static void write(
      ObjectNode node, Map<String, long[]> before, Map<String, long[]> after, long invoices) {
    var tables = node.putObject("row_writes_per_invoice");
    double total = 0;
    for (var entry : after.entrySet()) {
      var b = before.getOrDefault(entry.getKey(), new long[COUNTERS.size()]);
      var a = entry.getValue();
      long ins = a[0] - b[0], upd = a[1] - b[1], hot = a[2] - b[2], del = a[3] - b[3];
      if (ins + upd + del == 0 || invoices == 0) {
        continue;
      }
      var t = tables.putObject(entry.getKey());
      t.put("inserted", Bench.round((double) ins / invoices, 2));
      t.put("updated", Bench.round((double) upd / invoices, 2));
      t.put("hot_updated", Bench.round((double) hot / invoices, 2));
      t.put("deleted", Bench.round((double) del / invoices, 2));
      total += (double) (ins + upd + del) / invoices;
    }
    tables.put("total", Bench.round(total, 2));
  }
}
