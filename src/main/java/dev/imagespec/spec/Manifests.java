package dev.imagespec.spec;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link ManifestLoader} read: the valid ImageSpecs and Secrets, notes about ignored
 * documents, and every error. Front ends apply nothing unless {@link #errors()} (and, in local
 * mode, {@link #secretReferenceProblems()}) is empty.
 */
public final class Manifests {
  private final List<ImageSpec> specs;
  private final List<Secret> secrets;
  private final List<String> warnings;
  private final List<ManifestProblem> errors;
  private final Map<Object, ManifestSource> sources;

  Manifests(
      List<ImageSpec> specs,
      List<Secret> secrets,
      List<String> warnings,
      List<ManifestProblem> errors,
      Map<Object, ManifestSource> sources) {
    this.specs = List.copyOf(specs);
    this.secrets = List.copyOf(secrets);
    this.warnings = List.copyOf(warnings);
    this.errors = List.copyOf(errors);
    this.sources = new IdentityHashMap<>(sources);
  }

  /** Valid ImageSpecs, in reading order (namespace defaulted to {@code default}). */
  public List<ImageSpec> specs() {
    return specs;
  }

  /** {@code v1} Secrets, in reading order (namespace defaulted to {@code default}). */
  public List<Secret> secrets() {
    return secrets;
  }

  /** Notes about documents that were ignored (other kinds). */
  public List<String> warnings() {
    return warnings;
  }

  /** YAML, schema and validation errors; each names the source, document and field. */
  public List<ManifestProblem> errors() {
    return errors;
  }

  public boolean hasErrors() {
    return !errors.isEmpty();
  }

  /** Where a spec or Secret of this result was read, or null for a foreign object. */
  public ManifestSource sourceOf(Object specOrSecret) {
    return sources.get(specOrSecret);
  }

  /**
   * Local mode: Secrets named by the specs that are not among the loaded Secrets (same namespace),
   * or that are not readable {@code kubernetes.io/dockerconfigjson} Secrets.
   */
  public List<ManifestProblem> secretReferenceProblems() {
    return secretReferenceProblems(secrets);
  }

  /** As {@link #secretReferenceProblems()}, against the given Secrets. */
  public List<ManifestProblem> secretReferenceProblems(Collection<Secret> available) {
    List<ManifestProblem> out = new ArrayList<>();
    for (ImageSpec spec : specs) {
      ManifestSource src = sourceOf(spec);
      for (Violation v : SpecValidator.validateSecretReferences(spec, available)) {
        out.add(
            new ManifestProblem(
                src == null ? "<unknown>" : src.source(),
                src == null ? 0 : src.document(),
                ManifestLimits.shown(ImageSpec.KIND + " " + SpecKey.of(spec)),
                ManifestLimits.shown(v.field()),
                ManifestLimits.shown(v.message())));
      }
    }
    return out;
  }

  /** {@link #errors()} followed by {@link #secretReferenceProblems()}. */
  public List<ManifestProblem> allProblems() {
    List<ManifestProblem> all = new ArrayList<>(errors);
    all.addAll(secretReferenceProblems());
    return all;
  }
}
