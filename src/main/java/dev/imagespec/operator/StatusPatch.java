package dev.imagespec.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * Writes a status computed from scratch as a whole: a JSON Patch of the {@code status} subresource
 * with one {@code add /status} operation (which replaces an existing status). Unlike a JSON Patch
 * diffed against the informer's cached copy (JOSDK's non-SSA status patch), it cannot fail or
 * corrupt the status when that copy lags behind the server; unlike a merge patch, lists and fields
 * that became unset are replaced too; unlike server-side apply, Fabric8's CRUD mock API server
 * understands it.
 *
 * <p>From a reconciler, {@link #write(Context, HasMetadata, Object)}: it goes through the
 * controller's client and hands the written resource to the controller's informer cache (JOSDK's
 * {@code handleRecentResourceUpdate}, as its {@code PrimaryUpdateAndCacheUtils} does), so the next
 * pass reads what was written even before the watch event arrives.
 */
final class StatusPatch {
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private StatusPatch() {}

  /**
   * Replaces the status of {@code primary}, the resource {@code context} reconciles, by {@code
   * status}, and puts the result in the controller's cache. Returns the resource as written.
   */
  static <P extends HasMetadata> P write(Context<P> context, P primary, Object status) {
    @SuppressWarnings("unchecked")
    Class<P> type = (Class<P>) primary.getClass();
    P written = write(context.getClient(), type, primary, status);
    if (written != null) {
      context
          .eventSourceRetriever()
          .getControllerEventSource()
          .handleRecentResourceUpdate(ResourceID.fromResource(written), written, primary);
    }
    return written;
  }

  /**
   * Replaces the status of {@code resource} (its name and namespace) by {@code status}, outside a
   * reconciler (the informer cache learns of it from the watch). Returns the resource as written.
   */
  static <T extends HasMetadata> T write(
      KubernetesClient client, Class<T> type, HasMetadata resource, Object status) {
    ArrayNode patch = JSON.createArrayNode();
    ObjectNode op = patch.addObject();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", JSON.valueToTree(status));
    var ops = client.resources(type);
    String ns = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    return (ns == null ? ops.withName(name) : ops.inNamespace(ns).withName(name))
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch.toString());
  }
}
