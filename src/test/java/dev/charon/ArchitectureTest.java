package dev.charon;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The domain (money, outcomes, state rules) stays plain Java; adapters hold the frameworks. */
@AnalyzeClasses(packages = "dev.charon", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] FRAMEWORKS = {
    "io.javalin..", "org.jdbi..", "com.rabbitmq..", "java.sql..", "com.zaxxer..", "org.flywaydb..", "picocli.."
  };

  @ArchTest
  static final ArchRule domain_imports_no_framework =
      noClasses()
          .that()
          .resideInAnyPackage("dev.charon.money..")
          .or()
          .haveSimpleNameEndingWith("Outcome")
          .or()
          .haveSimpleName("ChargeRequest")
          .or()
          .haveSimpleName("Invoice")
          .or()
          .haveSimpleName("InvoiceStatus")
          .or()
          .haveSimpleName("Customer")
          .or()
          .haveSimpleNameEndingWith("Policy")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(FRAMEWORKS);

  @ArchTest
  static final ArchRule only_the_cli_knows_picocli =
      noClasses().that().resideOutsideOfPackage("dev.charon.cli..").should().dependOnClassesThat().resideInAPackage("picocli..");

  @ArchTest
  static final ArchRule the_api_core_knows_no_feature =
      noClasses()
          .that()
          .resideInAPackage("dev.charon.api")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.charon.invoice..", "dev.charon.customer..", "dev.charon.db..");
}
