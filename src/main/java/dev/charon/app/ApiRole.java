package dev.charon.app;

import dev.charon.api.HttpApi;
import dev.charon.api.Json;
import dev.charon.config.HttpSettings;
import dev.charon.customer.CustomerRepository;
import dev.charon.customer.CustomerRoutes;
import dev.charon.db.Database;
import dev.charon.invoice.InvoiceRepository;
import dev.charon.invoice.InvoiceRoutes;
import java.util.List;

/** Wires the REST API over a database: the part of {@code server} and {@code demo} that serves. */
public final class ApiRole {
  private ApiRole() {}

  /** The REST API plus {@code extra} modules (ops endpoints) on one port. */
  public static HttpApi start(Database db, HttpSettings http, HttpApi.Module... extra) {
    var jdbi = db.jdbi();
    var modules = new java.util.ArrayList<HttpApi.Module>(List.of(
        new CustomerRoutes(new CustomerRepository(jdbi)),
        new InvoiceRoutes(new InvoiceRepository(jdbi)),
        dev.charon.billing.BillingRunRoutes.create(jdbi),
        new dev.charon.events.EventRoutes(new dev.charon.events.EventFeed(jdbi, Json.mapper()))));
    modules.addAll(List.of(extra));
    return HttpApi.start(http.host(), http.port(), Json.mapper(), modules);
  }
}
