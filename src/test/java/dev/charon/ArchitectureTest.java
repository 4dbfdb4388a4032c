package dev.charon;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.charon.api.ApiError;
import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeQueue;
import dev.charon.charging.ChargeStore;

/**
 * The shape of the code: feature packages without cycles, the framework-free domain (money and
 * every feature's {@code domain} sub-package), broker code in the broker packages, HTTP errors at
 * the routes, and a charge transport that knows nothing of the engine.
 */
@AnalyzeClasses(packages = "dev.charon", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  /** Where the framework-free domain lives: a type belongs there by its package, not its name. */
  private static final String[] DOMAIN = {"dev.charon.money..", "dev.charon..domain.."};

  private static final String[] FRAMEWORKS = {
    "io.javalin..",
    "org.jdbi..",
    "com.rabbitmq..",
    "java.sql..",
    "javax.sql..",
    "com.zaxxer..",
    "org.flywaydb..",
    "picocli..",
    "io.micrometer..",
    "org.eclipse.jetty..",
    "com.fasterxml.jackson..",
    "org.slf4j..",
    "ch.qos.logback.."
  };

  @ArchTest
  static final ArchRule domain_imports_no_framework =
      noClasses()
          .that()
          .resideInAnyPackage(DOMAIN)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(FRAMEWORKS);

  @ArchTest
  static final ArchRule domain_depends_only_on_the_jdk_and_other_domain_types =
      classes()
          .that()
          .resideInAnyPackage(DOMAIN)
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "java..", "javax.crypto..", "dev.charon.money..", "dev.charon..domain..");

  @ArchTest
  static final ArchRule feature_packages_have_no_cycles =
      slices().matching("dev.charon.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule amqp_only_in_the_broker_queue_and_events_packages =
      noClasses()
          .that()
          .resideOutsideOfPackages(
              "dev.charon.broker..", "dev.charon.queue..", "dev.charon.events..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("com.rabbitmq..");

  @ArchTest
  static final ArchRule the_charge_port_knows_no_engine_and_no_database =
      noClasses()
          .that()
          .belongToAnyOf(ChargeQueue.class)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.jdbi..", "java.sql..")
          .orShould()
          .dependOnClassesThat()
          .belongToAnyOf(ChargeEngine.class, ChargeStore.class);

  @ArchTest
  static final ArchRule transports_never_call_into_the_engine =
      noClasses()
          .that()
          .resideInAPackage("dev.charon.queue..")
          .should()
          .dependOnClassesThat()
          .belongToAnyOf(ChargeEngine.class, ChargeStore.class);

  @ArchTest
  static final ArchRule http_errors_are_raised_only_by_routes_and_access_checks =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.charon.api..")
          .and()
          .haveSimpleNameNotEndingWith("Routes")
          .and()
          .haveSimpleNameNotEndingWith("Access")
          .should()
          .dependOnClassesThat()
          .belongToAnyOf(ApiError.class);

  @ArchTest
  static final ArchRule only_the_cli_knows_picocli =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.charon.cli..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("picocli..");

  @ArchTest
  static final ArchRule the_api_core_knows_no_feature =
      noClasses()
          .that()
          .resideInAPackage("dev.charon.api")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.charon.invoice..", "dev.charon.customer..", "dev.charon.db..");
}
