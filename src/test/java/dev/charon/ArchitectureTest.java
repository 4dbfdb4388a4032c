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
import dev.charon.charging.Intake;
import dev.charon.charging.Opened;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The shape of the code: feature packages without cycles, the framework-free domain (money and
 * every feature's {@code domain} sub-package), all AMQP code in {@code queue}, HTTP errors at the
 * routes, and charge transports that know nothing of the engine: only the two intakes open
 * attempts.
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
              "dev.charon.queue..", "dev.charon.queue..", "dev.charon.events..")
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

  /** The table transport's leases on invoice rows (package-private in charging). */
  private static final String TABLE_TRANSPORT = "dev.charon.charging.InvoiceLeases";

  /** Both intakes' transports: the RabbitMQ consumer (queue) and the table's leases. */
  @ArchTest
  static final ArchRule transports_never_call_into_the_engine =
      noClasses()
          .that()
          .resideInAPackage("dev.charon.queue..")
          .or()
          .haveFullyQualifiedName(TABLE_TRANSPORT)
          .should()
          .dependOnClassesThat()
          .belongToAnyOf(ChargeEngine.class, ChargeStore.class, Opened.class, Intake.class);

  /** Opening attempts is the intakes' job: one with its claim, one after its transport's take. */
  @ArchTest
  static final ArchRule only_the_intakes_open_attempts =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName("dev.charon.charging.TableIntake")
          .and()
          .doNotHaveFullyQualifiedName("dev.charon.charging.QueueIntake")
          .and()
          .doNotBelongToAnyOf(ChargeEngine.class)
          .should()
          .callMethod(ChargeEngine.class, "open", List.class)
          .orShould()
          .callMethod(ChargeEngine.class, "open", Handle.class, List.class);

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
