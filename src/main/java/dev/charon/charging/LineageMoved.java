package dev.charon.charging;

/**
 * No attempt is opened while the database is on a timeline the server has not checked (issue 27: a
 * promotion or a point-in-time restore may have forgotten charges, which the server adopts first;
 * {@code reconcile.LineageWatch}). The batch's deliveries are handed back and offered again.
 */
public final class LineageMoved extends RuntimeException {
  LineageMoved() {
    super(
        "the database is on a new timeline (promotion or restore) that the server has not yet"
            + " reconciled with the provider's ledger: no attempt is opened until it has");
  }
}
