package dev.imagespec.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Writes a status computed from scratch as a whole: a JSON Patch of the {@code status} subresource
 * with one {@code add /status} operation (which replaces an existing status). Unlike a JSON Patch
 * diffed against the informer's cached copy (JOSDK's non-SSA status patch), it cannot fail or
 * corrupt the status when that copy lags behind the server; unlike a merge patch, lists and fields
 * that became unset are replaced too.
 */
final class StatusPatch {
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private StatusPatch() {}

  /** Replaces the status of {@code resource} (its name and namespace) by {@code status}. */
  static <T extends HasMetadata> void write(
      KubernetesClient client, Class<T> type, HasMetadata resource, Object status) {
    ArrayNode patch = JSON.createArrayNode();
    ObjectNode op = patch.addObject();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", JSON.valueToTree(status));
    var ops = client.resources(type);
    String ns = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    (ns == null ? ops.withName(name) : ops.inNamespace(ns).withName(name))
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch.toString());
  }
}
