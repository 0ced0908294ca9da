package dev.imagespec;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point inward: {@code cli} → {@code operator} → {@code reconcile} → {@code spec} →
 * {@code engine} (each may also use any layer further in, e.g. {@code reconcile} uses {@code
 * engine}); {@code cli.logging}, logback's set-up and line format, stands apart and only {@code
 * cli} (which configures it) uses it. Sub-packages belong to their layer. Plain JUnit tests (not
 * {@code @ArchTest} fields) so that Surefire's {@code -Dtest} filters run them too.
 */
class ArchitectureTest {
  private static final String ROOT = "dev.imagespec.";

  /** Innermost last; every main package is one of these or below one. */
  private static final List<String> LAYERS =
      List.of("cli", "cli.logging", "operator", "reconcile", "spec", "engine");

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.imagespec");
  }

  @Test
  void importsEveryLayer() {
    for (String layer : LAYERS) {
      assertThat(classes.stream().anyMatch(c -> c.getPackageName().equals(ROOT + layer)))
          .as(layer)
          .isTrue();
    }
  }

  @Test
  void everyPackageBelongsToALayer() {
    assertThat(
            classes.stream()
                .map(JavaClass::getPackageName)
                .distinct()
                .filter(
                    p ->
                        LAYERS.stream()
                            .noneMatch(l -> p.equals(ROOT + l) || p.startsWith(ROOT + l + "."))))
        .as("packages outside the layers of this test (add them to it)")
        .isEmpty();
  }

  @Test
  void layersDependInward() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("cli")
        .definedBy("dev.imagespec.cli..")
        .layer("logging")
        .definedBy("dev.imagespec.cli.logging..")
        .layer("operator")
        .definedBy("dev.imagespec.operator..")
        .layer("reconcile")
        .definedBy("dev.imagespec.reconcile..")
        .layer("spec")
        .definedBy("dev.imagespec.spec..")
        .layer("engine")
        .definedBy("dev.imagespec.engine..")
        .whereLayer("cli")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("logging")
        .mayOnlyBeAccessedByLayers("cli")
        .whereLayer("operator")
        .mayOnlyBeAccessedByLayers("cli")
        .whereLayer("reconcile")
        .mayOnlyBeAccessedByLayers("cli", "operator")
        .whereLayer("spec")
        .mayOnlyBeAccessedByLayers("cli", "operator", "reconcile")
        .whereLayer("engine")
        .mayOnlyBeAccessedByLayers("cli", "operator", "reconcile", "spec")
        .check(classes);
  }

  @Test
  void loggingDependsOnNoOtherLayer() {
    noClasses()
        .that()
        .resideInAPackage("dev.imagespec.cli.logging..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.imagespec.cli",
            "dev.imagespec.operator..",
            "dev.imagespec.reconcile..",
            "dev.imagespec.spec..",
            "dev.imagespec.engine..",
            "picocli..",
            "io.fabric8..",
            "io.javaoperatorsdk..")
        .check(classes);
  }

  @Test
  void engineKnowsNoKubernetesNorFrontEnd() {
    noClasses()
        .that()
        .resideInAPackage("dev.imagespec.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.fabric8..", "io.javaoperatorsdk..", "picocli..")
        .check(classes);
  }

  @Test
  void specAndReconcileKnowNoFrontEndLibrary() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.imagespec.spec..", "dev.imagespec.reconcile..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("picocli..", "io.javaoperatorsdk..")
        .check(classes);
  }
}
