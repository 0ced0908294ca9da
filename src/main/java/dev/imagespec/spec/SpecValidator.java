package dev.imagespec.spec;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.InvalidArgumentException;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks ImageSpecs and reports every violation at once, each with its field path and the value,
 * e.g. {@code spec.images[2].image: invalid image reference 'Foo/bar': repository name must be
 * lowercase}. Field indexes are 0-based, as in Kubernetes.
 */
public final class SpecValidator {
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern PLATFORM = Pattern.compile(ImageEntry.PLATFORM_PATTERN);
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
    validateImages(s, out);
    List<String> secrets = s.getPullSecrets();
    if (secrets != null) {
      for (int i = 0; i < secrets.size(); i++) {
        checkSecretName("spec.pullSecrets[" + i + "]", secrets.get(i), out);
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
    if (s.getPrune() != null) {
      validatePrune(s.getPrune(), out);
    }
    if (s.getNodeSelector() != null) {
      validateSelector(s.getNodeSelector(), out);
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
    List<Violation> out = new ArrayList<>();
    ImageSpecSpec s = spec.getSpec();
    if (s == null) {
      return out;
    }
    String namespace = SpecKey.of(spec).namespace();
    Map<String, Secret> byName = new HashMap<>();
    for (Secret secret : secrets) {
      var meta = secret.getMetadata();
      if (meta == null || meta.getName() == null) {
        continue;
      }
      String ns =
          meta.getNamespace() == null || meta.getNamespace().isEmpty()
              ? SpecKey.DEFAULT_NAMESPACE
              : meta.getNamespace();
      if (ns.equals(namespace)) {
        byName.putIfAbsent(meta.getName(), secret);
      }
    }
    List<String> pull = s.pullSecretsOrEmpty();
    for (int i = 0; i < pull.size(); i++) {
      checkSecret("spec.pullSecrets[" + i + "]", pull.get(i), namespace, byName, out);
    }
    List<ImageEntry> images = s.imagesOrEmpty();
    for (int i = 0; i < images.size(); i++) {
      ImageEntry e = images.get(i);
      if (e == null) {
        continue;
      }
      List<PushTarget> pushes = e.pushesOrEmpty();
      for (int k = 0; k < pushes.size(); k++) {
        PushTarget p = pushes.get(k);
        if (p != null && p.getCredentialsSecret() != null) {
          checkSecret(
              "spec.images[" + i + "].pushes[" + k + "].credentialsSecret",
              p.getCredentialsSecret(),
              namespace,
              byName,
              out);
        }
      }
    }
    return out;
  }

  private static void checkSecret(
      String field,
      String name,
      String namespace,
      Map<String, Secret> byName,
      List<Violation> out) {
    if (name == null || name.isEmpty()) {
      return;
    }
    Secret secret = byName.get(name);
    if (secret == null) {
      out.add(
          new Violation(field, "secret '" + name + "' not found in namespace '" + namespace + "'"));
      return;
    }
    try {
      DockerConfigSecrets.auths(secret);
    } catch (IllegalArgumentException e) {
      out.add(new Violation(field, e.getMessage()));
    }
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

  private static void validateImages(ImageSpecSpec s, List<Violation> out) {
    List<ImageEntry> images = s.getImages();
    if (images == null || images.isEmpty()) {
      out.add(new Violation("spec.images", "required: at least 1 image"));
      return;
    }
    if (images.size() > ImageSpecSpec.MAX_IMAGES) {
      out.add(
          new Violation(
              "spec.images",
              "too many images: " + images.size() + " (at most " + ImageSpecSpec.MAX_IMAGES + ")"));
    }
    // canonical reference -> field that declared it first (images, tags, push targets)
    Map<String, String> imageFields = new HashMap<>();
    Map<String, String> declared = new HashMap<>();
    Map<String, Integer> declaredBy = new HashMap<>();
    for (int i = 0; i < images.size(); i++) {
      String base = "spec.images[" + i + "]";
      ImageEntry e = images.get(i);
      if (e == null) {
        out.add(new Violation(base, "must not be null"));
        continue;
      }
      ImageReference ref = null;
      if (e.getImage() == null || e.getImage().isBlank()) {
        out.add(new Violation(base + ".image", "required"));
      } else {
        ref = reference(base + ".image", e.getImage(), out);
      }
      if (ref != null) {
        String canonical = ref.withDefaultTag().canonical();
        String first = imageFields.putIfAbsent(canonical, base + ".image");
        if (first != null) {
          out.add(
              new Violation(
                  base + ".image",
                  "duplicate image '"
                      + e.getImage()
                      + "': same as "
                      + first
                      + " ("
                      + canonical
                      + ")"));
        } else {
          declare(canonical, base + ".image", i, declared, declaredBy, out);
        }
      }
      if (e.getPlatform() != null && !PLATFORM.matcher(e.getPlatform()).matches()) {
        out.add(
            new Violation(
                base + ".platform",
                "invalid platform '"
                    + e.getPlatform()
                    + "': expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8"));
      }
      boolean absent = e.ensureOrDefault() == Ensure.Absent;
      if (absent && !e.tagsOrEmpty().isEmpty()) {
        out.add(new Violation(base + ".tags", "must be empty when ensure is Absent"));
      }
      if (absent && !e.pushesOrEmpty().isEmpty()) {
        out.add(new Violation(base + ".pushes", "must be empty when ensure is Absent"));
      }
      Map<String, String> own = new HashMap<>();
      if (ref != null) {
        own.put(ref.withDefaultTag().canonical(), base + ".image");
      }
      List<String> tags = e.tagsOrEmpty();
      for (int k = 0; k < tags.size(); k++) {
        String field = base + ".tags[" + k + "]";
        ImageReference t = localReference(field, tags.get(k), "tag", out);
        if (t == null) {
          continue;
        }
        String canonical = t.withDefaultTag().canonical();
        String first = own.putIfAbsent(canonical, field);
        if (first != null) {
          out.add(
              new Violation(field, "duplicate reference '" + tags.get(k) + "': same as " + first));
        } else {
          declare(canonical, field, i, declared, declaredBy, out);
        }
      }
      List<PushTarget> pushes = e.pushesOrEmpty();
      Map<String, String> pushTargets = new HashMap<>();
      for (int k = 0; k < pushes.size(); k++) {
        String field = base + ".pushes[" + k + "]";
        PushTarget p = pushes.get(k);
        if (p == null) {
          out.add(new Violation(field, "must not be null"));
          continue;
        }
        if (p.getCredentialsSecret() != null) {
          checkSecretName(field + ".credentialsSecret", p.getCredentialsSecret(), out);
        }
        if (p.getTo() == null || p.getTo().isBlank()) {
          out.add(new Violation(field + ".to", "required"));
          continue;
        }
        ImageReference to = localReference(field + ".to", p.getTo(), "push target", out);
        if (to == null) {
          continue;
        }
        String canonical = to.withDefaultTag().canonical();
        if (ref != null && canonical.equals(ref.withDefaultTag().canonical())) {
          out.add(
              new Violation(field + ".to", "push target '" + p.getTo() + "' is the image itself"));
          continue;
        }
        String first = pushTargets.putIfAbsent(canonical, field + ".to");
        if (first != null) {
          out.add(
              new Violation(
                  field + ".to", "duplicate push target '" + p.getTo() + "': same as " + first));
          continue;
        }
        if (!own.containsKey(canonical)) {
          declare(canonical, field + ".to", i, declared, declaredBy, out);
        }
      }
    }
  }

  /** Records that entry {@code index} declares {@code canonical}; another entry may not. */
  private static void declare(
      String canonical,
      String field,
      int index,
      Map<String, String> declared,
      Map<String, Integer> declaredBy,
      List<Violation> out) {
    String first = declared.putIfAbsent(canonical, field);
    if (first != null && declaredBy.get(canonical) != index) {
      out.add(
          new Violation(
              field,
              "reference '" + canonical + "' is also declared by " + first + " (another image)"));
    }
    declaredBy.putIfAbsent(canonical, index);
  }

  private static ImageReference reference(String field, String value, List<Violation> out) {
    try {
      return ImageReference.parse(value);
    } catch (InvalidArgumentException e) {
      out.add(new Violation(field, e.getMessage()));
      return null;
    }
  }

  private static ImageReference localReference(
      String field, String value, String what, List<Violation> out) {
    if (value == null || value.isBlank()) {
      out.add(new Violation(field, "required"));
      return null;
    }
    ImageReference ref = reference(field, value, out);
    if (ref != null && ref.hasDigest()) {
      out.add(
          new Violation(
              field, what + " '" + value + "' must not have a digest (use repository:tag)"));
      return null;
    }
    return ref;
  }

  private static void checkSecretName(String field, String name, List<Violation> out) {
    if (name == null || name.isEmpty()) {
      out.add(new Violation(field, "must not be empty"));
    } else if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
      out.add(
          new Violation(
              field, "invalid secret name '" + name + "': must be a lowercase RFC 1123 subdomain"));
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
