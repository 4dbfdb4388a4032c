package dev.charon.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Plain JDBC against the benchmark cluster: one short connection per call. */
final class Sql {
  private final int port;

  Sql(int port) {
    this.port = port;
  }

  String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(url(database), "postgres", "");
  }

  void exec(String database, String... statements) {
    try (var c = connect(database);
        var s = c.createStatement()) {
      for (var statement : statements) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("on " + database + ": " + e.getMessage(), e);
    }
  }

  List<Map<String, Object>> rows(String database, String query) {
    try (var c = connect(database);
        var s = c.createStatement();
        var rs = s.executeQuery(query)) {
      var out = new ArrayList<Map<String, Object>>();
      var meta = rs.getMetaData();
      while (rs.next()) {
        var row = new LinkedHashMap<String, Object>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnLabel(i), rs.getObject(i));
        }
        out.add(row);
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("on " + database + ": " + e.getMessage(), e);
    }
  }

  Object value(String database, String query) {
    var rows = rows(database, query);
    return rows.isEmpty() ? null : rows.get(0).values().iterator().next();
  }

  long number(String database, String query) {
    var v = value(database, query);
    return v == null ? 0 : ((Number) v).longValue();
  }
}
