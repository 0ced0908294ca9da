package dev.imagespec.spec;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks ImageSpecs and reports every violation at once, each with its field path and the value,
 * e.g. {@code spec.images[2].image: invalid image reference 'Foo/bar': repository name must be
 * lowercase}. Field indexes are 0-based, as in Kubernetes.
 *
 * <p>This class checks metadata, the refresh interval, prune and the node selector; {@link
 * ImageEntriesValidator} checks {@code spec.images} and {@link SecretReferences} the Secrets a spec
 * names.
 */
public final class SpecValidator {
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(SchemaPatterns.DNS_SUBDOMAIN);
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Set<String> SELECTOR_OPERATORS =
      Set.of("In", "NotIn", "Exists", "DoesNotExist");

  private SpecValidator() {}

  /** Every violation of {@code spec}; empty when it is valid. Secrets are not looked up. */
  public static List<Violation> validate(ImageSpec spec) {
    List<Violation> out = new ArrayList<>();
    validateMetadata(spec, out);
    ImageSpecSpec s = spec.getSpec();
    if (s == null) {
      out.add(new Violation("spec", "required"));
      return out;
    }
    if (s.unreadable() != null) {
      out.add(s.unreadable()); // read from the API server, and it does not bind
      return out;
    }
    ImageEntriesValidator.validate(s, out);
    List<String> secrets = s.getPullSecrets();
    if (secrets != null) {
      for (int i = 0; i < secrets.size(); i++) {
        SecretReferences.checkName("spec.pullSecrets[" + i + "]", secrets.get(i), out);
      }
    }
    if (s.getRefreshInterval() != null) {
      Duration d = duration("spec.refreshInterval", s.getRefreshInterval(), out);
      if (d != null && (d.isZero() || d.isNegative())) {
        out.add(
            new Violation(
                "spec.refreshInterval",
                "invalid duration '" + s.getRefreshInterval() + "': must be positive"));
      }
    }
    positiveDuration("spec.pullTimeout", s.getPullTimeout(), out);
    for (int i = 0; i < s.imagesOrEmpty().size(); i++) {
      ImageEntry e = s.imagesOrEmpty().get(i);
      if (e != null) {
        positiveDuration("spec.images[" + i + "].pullTimeout", e.getPullTimeout(), out);
      }
    }
    if (s.getPrune() != null) {
      validatePrune(s.getPrune(), out);
    }
    if (s.getNodeSelector() != null) {
      validateSelector(s.getNodeSelector(), out);
    }
    if (s.getRollout() != null && s.getRollout().problem() != null) {
      out.add(new Violation("spec.rollout.maxConcurrentNodes", s.getRollout().problem()));
    }
    return out;
  }

  /**
   * Checks that every Secret the spec names ({@code spec.pullSecrets}, {@code
   * pushes[].credentialsSecret}) is among {@code secrets}, in the spec's namespace, and is a
   * readable {@code kubernetes.io/dockerconfigjson} Secret. For local mode: the front end passes
   * the Secrets it loaded.
   */
  public static List<Violation> validateSecretReferences(
      ImageSpec spec, Collection<Secret> secrets) {
    return SecretReferences.validate(spec, secrets);
  }

  private static void validateMetadata(ImageSpec spec, List<Violation> out) {
    var meta = spec.getMetadata();
    if (meta == null || meta.getName() == null || meta.getName().isEmpty()) {
      out.add(new Violation("metadata.name", "required"));
    } else if (meta.getName().length() > 253 || !DNS_SUBDOMAIN.matcher(meta.getName()).matches()) {
      out.add(
          new Violation(
              "metadata.name",
              "invalid name '"
                  + meta.getName()
                  + "': must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-', '.'), at most"
                  + " 253 characters"));
    }
    if (meta != null && meta.getNamespace() != null && !meta.getNamespace().isEmpty()) {
      String ns = meta.getNamespace();
      if (ns.length() > 63 || !DNS_LABEL.matcher(ns).matches()) {
        out.add(
            new Violation(
                "metadata.namespace",
                "invalid namespace '"
                    + ns
                    + "': must be a lowercase RFC 1123 label (a-z, 0-9, '-'), at most 63"
                    + " characters"));
      }
    }
  }

  /** A timeout: a positive Go duration when set. */
  private static void positiveDuration(String field, String value, List<Violation> out) {
    if (value == null) {
      return;
    }
    Duration d = duration(field, value, out);
    if (d != null && (d.isZero() || d.isNegative())) {
      out.add(new Violation(field, "invalid duration '" + value + "': must be positive, e.g. 30m"));
    }
  }

  private static Duration duration(String field, String value, List<Violation> out) {
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      out.add(new Violation(field, e.getMessage()));
      return null;
    }
  }

  private static void validatePrune(PruneSpec p, List<Violation> out) {
    if (p.getSchedule() != null) {
      try {
        CronSchedule.parse(p.getSchedule());
      } catch (IllegalArgumentException e) {
        out.add(new Violation("spec.prune.schedule", e.getMessage()));
      }
    }
    if (p.getOlderThan() != null) {
      Duration d = duration("spec.prune.olderThan", p.getOlderThan(), out);
      if (d != null && d.isNegative()) {
        out.add(
            new Violation(
                "spec.prune.olderThan",
                "invalid duration '" + p.getOlderThan() + "': must not be negative"));
      }
    }
    List<String> labels = p.labelsOrEmpty();
    for (int i = 0; i < labels.size(); i++) {
      try {
        LabelFilter.parse(labels.get(i));
      } catch (IllegalArgumentException e) {
        out.add(new Violation("spec.prune.labels[" + i + "]", e.getMessage()));
      }
    }
  }

  private static void validateSelector(LabelSelector selector, List<Violation> out) {
    List<LabelSelectorRequirement> exprs = selector.getMatchExpressions();
    if (exprs == null) {
      return;
    }
    for (int i = 0; i < exprs.size(); i++) {
      LabelSelectorRequirement r = exprs.get(i);
      String field = "spec.nodeSelector.matchExpressions[" + i + "]";
      if (r == null) {
        out.add(new Violation(field, "must not be null"));
        continue;
      }
      if (r.getKey() == null || r.getKey().isEmpty()) {
        out.add(new Violation(field + ".key", "required"));
      }
      if (r.getOperator() == null || !SELECTOR_OPERATORS.contains(r.getOperator())) {
        out.add(
            new Violation(
                field + ".operator",
                "invalid operator '"
                    + r.getOperator()
                    + "': must be one of In, NotIn, Exists, DoesNotExist"));
      }
    }
  }
}
