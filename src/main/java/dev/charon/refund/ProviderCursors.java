package dev.charon.refund;

import org.jdbi.v3.core.Jdbi;

/**
 * Where each backstop got to in one of the provider's lists ({@code provider_cursor}): the
 * gateway's sequence numbers ({@code gateway.refunds}, {@code gateway.disputes}) and Stripe's
 * {@code created} times ({@code stripe.refunds}, {@code stripe.disputes}). A cursor only moves
 * forward, so two passes that overlap never take it back.
 */
public final class ProviderCursors {
  private ProviderCursors() {}

  public static long read(Jdbi jdbi, String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select after from provider_cursor where name = :n")
                .bind("n", name)
                .mapTo(Long.class)
                .findOne()
                .orElse(0L));
  }

  public static void advance(Jdbi jdbi, String name, long after) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    insert into provider_cursor (name, after) values (:n, :a)
                    on conflict (name) do update set after = greatest(provider_cursor.after, excluded.after),
                                                     updated_at = charon_now()
                    """)
                .bind("n", name)
                .bind("a", after)
                .execute());
  }
}
