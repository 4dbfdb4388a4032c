package dev.charon.db;

import org.jdbi.v3.core.Handle;

/** The database lineage's secret (migration V52): what idempotency keys are derived from. */
public final class Lineage {
  private Lineage() {}

  public static String secret(Handle h) {
    return h.createQuery("select secret from lineage where id = 1")
        .mapTo(String.class)
        .findOne()
        .orElseThrow(
            () -> new IllegalStateException("the lineage table has no secret: migrate first"));
  }
}
