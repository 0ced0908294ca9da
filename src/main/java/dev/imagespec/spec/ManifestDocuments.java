package dev.imagespec.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads one YAML document by its kind: an {@code imagespec.dev/v1alpha1} ImageSpec (bound strictly,
 * then checked by {@link SpecValidator}), a {@code v1} Secret, or a note that another kind was
 * ignored. Namespaces default to {@code default}.
 */
final class ManifestDocuments {
  private final StrictBinder binder = new StrictBinder();

  void read(ManifestSource at, JsonNode node, ManifestCollector out) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return; // empty document
    }
    if (!node.isObject()) {
      out.error(
          at.source(),
          at.document(),
          null,
          null,
          "document is not a mapping (found "
              + node.getNodeType().name().toLowerCase(Locale.ROOT)
              + ")");
      return;
    }
    String apiVersion =
        node.path("apiVersion").isTextual() ? node.get("apiVersion").asText() : null;
    String kind = node.path("kind").isTextual() ? node.get("kind").asText() : null;
    JsonNode nameNode = node.path("metadata").path("name");
    String name = nameNode.isTextual() ? nameNode.asText() : null;
    if (kind == null || apiVersion == null) {
      if (apiVersion == null) {
        out.error(at.source(), at.document(), null, "apiVersion", "required");
      }
      if (kind == null) {
        out.error(at.source(), at.document(), null, "kind", "required");
      }
      return;
    }
    if (ImageSpec.KIND.equals(kind)) {
      String object = ImageSpec.KIND + (name == null ? "" : " " + qualified(node, name));
      if (!ImageSpec.API_VERSION.equals(apiVersion)) {
        out.error(
            at.source(),
            at.document(),
            object,
            "apiVersion",
            "unsupported apiVersion '"
                + apiVersion
                + "' for kind ImageSpec (expected "
                + ImageSpec.API_VERSION
                + ")");
        return;
      }
      readImageSpec(at, node, object, out);
    } else if ("Secret".equals(kind) && "v1".equals(apiVersion)) {
      readSecret(at, node, "Secret" + (name == null ? "" : " " + qualified(node, name)), out);
    } else {
      out.warning(
          at
              + ": ignored "
              + kind
              + (name == null ? "" : " '" + name + "'")
              + " ("
              + apiVersion
              + "): only ImageSpec ("
              + ImageSpec.API_VERSION
              + ") and Secret (v1) are read");
    }
  }

  private static String qualified(JsonNode node, String name) {
    JsonNode ns = node.path("metadata").path("namespace");
    return (ns.isTextual() && !ns.asText().isEmpty() ? ns.asText() : SpecKey.DEFAULT_NAMESPACE)
        + "/"
        + name;
  }

  private void readImageSpec(
      ManifestSource at, JsonNode node, String object, ManifestCollector out) {
    List<Violation> issues = new ArrayList<>();
    ImageSpec spec = binder.bind(node, ImageSpec.class, issues);
    if (spec != null) {
      checkMetadata(spec.getMetadata(), issues);
      if (spec.getSpec() != null && spec.getSpec().getNodeSelector() != null) {
        checkSelector(spec.getSpec().getNodeSelector(), issues);
      }
      if (spec.getMetadata() != null
          && (spec.getMetadata().getNamespace() == null
              || spec.getMetadata().getNamespace().isEmpty())) {
        spec.getMetadata().setNamespace(SpecKey.DEFAULT_NAMESPACE);
      }
      for (Violation v : SpecValidator.validate(spec)) {
        if (issues.stream().noneMatch(i -> covers(i.field(), v.field()))) {
          issues.add(v);
        }
      }
    }
    if (!issues.isEmpty() || spec == null) {
      out.errors(at, object, issues);
      return;
    }
    out.addSpec(spec, at, object);
  }

  private void readSecret(ManifestSource at, JsonNode node, String object, ManifestCollector out) {
    List<Violation> issues = new ArrayList<>();
    Secret secret = binder.bind(node, Secret.class, issues);
    if (secret != null) {
      StrictBinder.unknownFields("", secret.getAdditionalProperties(), issues);
      checkMetadata(secret.getMetadata(), issues);
      if (secret.getMetadata() == null
          || secret.getMetadata().getName() == null
          || secret.getMetadata().getName().isEmpty()) {
        issues.add(new Violation("metadata.name", "required"));
      }
    }
    if (!issues.isEmpty() || secret == null) {
      out.errors(at, object, issues);
      return;
    }
    if (secret.getMetadata().getNamespace() == null
        || secret.getMetadata().getNamespace().isEmpty()) {
      secret.getMetadata().setNamespace(SpecKey.DEFAULT_NAMESPACE);
    }
    out.addSecret(secret, at, object);
  }

  /** True when a problem reported at {@code reported} already explains one at {@code field}. */
  private static boolean covers(String reported, String field) {
    if (reported == null || field == null) {
      return false;
    }
    return field.equals(reported)
        || field.startsWith(reported + ".")
        || field.startsWith(reported + "[");
  }

  private static void checkMetadata(ObjectMeta meta, List<Violation> issues) {
    if (meta != null) {
      StrictBinder.unknownFields("metadata", meta.getAdditionalProperties(), issues);
    }
  }

  private static void checkSelector(LabelSelector selector, List<Violation> issues) {
    StrictBinder.unknownFields("spec.nodeSelector", selector.getAdditionalProperties(), issues);
    List<LabelSelectorRequirement> exprs = selector.getMatchExpressions();
    if (exprs != null) {
      for (int i = 0; i < exprs.size(); i++) {
        if (exprs.get(i) != null) {
          StrictBinder.unknownFields(
              "spec.nodeSelector.matchExpressions[" + i + "]",
              exprs.get(i).getAdditionalProperties(),
              issues);
        }
      }
    }
  }
}
