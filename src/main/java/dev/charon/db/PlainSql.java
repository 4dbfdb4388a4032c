package dev.charon.db;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * One of the charge path's statements (a file under {@code sql/}, named parameters and all) run
 * straight on the JDBC connection of the caller's JDBI handle, inside its transaction. A worker
 * runs these a few times per batch of invoices, and in its profile (issue 17) JDBI's own work
 * around each execution (a configuration copy, an argument-factory search per parameter, a mapper
 * lookup) cost its claim and record threads more CPU than pgjdbc's execution did. Values are bound
 * by their Java type: {@code Long[]} as {@code bigint[]}, {@code Integer[]} as {@code int4[]},
 * {@code String[]} as {@code text[]}, and single {@code Long}, {@code Integer} or {@code String}
 * values. Failures are thrown as JDBI's {@link UnableToExecuteStatementException}, as the same
 * statement run through JDBI threw them.
 */
public final class PlainSql {
  /** Reads one row; the result set is already on it. */
  @FunctionalInterface
  public interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private static final Map<String, PlainSql> CACHE = new ConcurrentHashMap<>();

  private final String name;
  private final String sql;
  private final List<String> parameters;

  private PlainSql(String name, String sql, List<String> parameters) {
    this.name = name;
    this.sql = sql;
    this.parameters = parameters;
  }

  /** The statement in {@code sql/<name>.sql}, its parameters turned positional once. */
  public static PlainSql of(String name) {
    return CACHE.computeIfAbsent(name, n -> parse(n, SqlFiles.get(n)));
  }

  /**
   * {@code :name} becomes {@code ?}, in order (a name used twice is bound twice); a {@code ::} cast
   * and anything inside a quoted literal or identifier stay as they are. SqlFiles already removed
   * the comment lines.
   */
  static PlainSql parse(String name, String named) {
    var out = new StringBuilder(named.length());
    var parameters = new ArrayList<String>();
    char quote = 0;
    for (int i = 0; i < named.length(); i++) {
      char c = named.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
        out.append(c);
      } else if (c == '\'' || c == '"') {
        quote = c;
        out.append(c);
      } else if (c == ':' && i + 1 < named.length() && named.charAt(i + 1) == ':') {
        out.append("::");
        i++;
      } else if (c == ':'
          && i + 1 < named.length()
          && Character.isJavaIdentifierStart(named.charAt(i + 1))) {
        int end = i + 1;
        while (end < named.length() && Character.isJavaIdentifierPart(named.charAt(end))) {
          end++;
        }
        parameters.add(named.substring(i + 1, end));
        out.append('?');
        i = end - 1;
      } else {
        out.append(c);
      }
    }
    if (quote != 0) {
      throw new IllegalStateException("sql/" + name + ".sql: unterminated quote");
    }
    return new PlainSql(name, out.toString(), List.copyOf(parameters));
  }

  String sql() {
    return sql;
  }

  List<String> parameters() {
    return parameters;
  }

  /** Values for this statement's parameters. */
  public Bound with(Handle h) {
    return new Bound(h);
  }

  /** The statement with its values, run once. */
  public final class Bound {
    private final Handle handle;
    private final Map<String, Object> values = new HashMap<>();

    private Bound(Handle handle) {
      this.handle = handle;
    }

    public Bound bind(String parameter, Object value) {
      values.put(parameter, value);
      return this;
    }

    /** Runs an update without a result; returns the rows it changed. */
    public int update() {
      try (var ps = prepare()) {
        return ps.executeUpdate();
      } catch (SQLException e) {
        throw failed(e);
      }
    }

    /** Runs the statement for its effect (a {@code select ... for update}'s locks), rows unread. */
    public void run() {
      try (var ps = prepare()) {
        ps.execute();
      } catch (SQLException e) {
        throw failed(e);
      }
    }

    public <T> List<T> list(Row<T> row) {
      var rows = new ArrayList<T>();
      forEach(row, rows::add);
      return rows;
    }

    public <T> void forEach(Row<T> row, Consumer<T> each) {
      try (var ps = prepare();
          var rs = ps.executeQuery()) {
        while (rs.next()) {
          each.accept(row.map(rs));
        }
      } catch (SQLException e) {
        throw failed(e);
      }
    }

    private PreparedStatement prepare() throws SQLException {
      var connection = handle.getConnection();
      var ps = connection.prepareStatement(sql);
      try {
        for (int i = 0; i < parameters.size(); i++) {
          var parameter = parameters.get(i);
          if (!values.containsKey(parameter)) {
            throw new IllegalArgumentException("sql/" + name + ".sql: no value for :" + parameter);
          }
          int position = i + 1;
          switch (values.get(parameter)) {
            case Long[] a -> ps.setArray(position, connection.createArrayOf("bigint", a));
            case Integer[] a -> ps.setArray(position, connection.createArrayOf("int4", a));
            case String[] a -> ps.setArray(position, connection.createArrayOf("text", a));
            case Long v -> ps.setLong(position, v);
            case Integer v -> ps.setInt(position, v);
            case String v -> ps.setString(position, v);
            case null ->
                throw new IllegalArgumentException(
                    "sql/" + name + ".sql: :" + parameter + " is null; bind a typed value");
            default ->
                throw new IllegalArgumentException(
                    "sql/" + name + ".sql: cannot bind a " + values.get(parameter).getClass());
          }
        }
        return ps;
      } catch (SQLException | RuntimeException e) {
        ps.close();
        throw e;
      }
    }

    private UnableToExecuteStatementException failed(SQLException e) {
      return new UnableToExecuteStatementException(
          "sql/" + name + ".sql failed: " + e.getMessage(), e, null);
    }
  }
}
