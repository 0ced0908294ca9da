package dev.imagespec;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point inward: cli/operator → reconcile → spec → engine. Plain JUnit tests (not
 * {@code @ArchTest} fields) so that Surefire's {@code -Dtest} filters run them too.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.imagespec");
  }

  @Test
  void importsTheLayers() {
    for (String layer : new String[] {"engine", "spec", "reconcile"}) {
      assertThat(
              classes.stream().anyMatch(c -> c.getPackageName().equals("dev.imagespec." + layer)))
          .as(layer)
          .isTrue();
    }
  }

  @Test
  void engineDependsOnNothingOfTheOuterLayers() {
    noClasses()
        .that()
        .resideInAPackage("dev.imagespec.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8..",
            "io.javaoperatorsdk..",
            "picocli..",
            "dev.imagespec.spec..",
            "dev.imagespec.reconcile..",
            "dev.imagespec.k8s..",
            "dev.imagespec.operator..",
            "dev.imagespec.cli..")
        .check(classes);
  }

  @Test
  void specAndReconcileDoNotDependOnFrontEnds() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.imagespec.spec..", "dev.imagespec.reconcile..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.imagespec.cli..", "dev.imagespec.operator..", "picocli..", "io.javaoperatorsdk..")
        .check(classes);
  }

  @Test
  void specDoesNotDependOnReconcile() {
    noClasses()
        .that()
        .resideInAPackage("dev.imagespec.spec..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.imagespec.reconcile..")
        .check(classes);
  }
}
