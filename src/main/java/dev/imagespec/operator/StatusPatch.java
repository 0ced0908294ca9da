package dev.imagespec.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a status computed from scratch as a whole: a JSON Patch of the {@code status} subresource
 * that sets {@code /metadata/resourceVersion} to the version the status was computed from (the API
 * server's optimistic lock: 409 Conflict when the object changed since) and {@code add /status}
 * (which replaces an existing status). Unlike a merge patch, lists and fields that became unset are
 * replaced too; unlike server-side apply, Fabric8's CRUD mock API server understands it.
 *
 * <p>On 409 it reads the object again. When its status is still the one the new status was computed
 * from (something else changed: metadata, spec), it writes again on the new version, up to {@link
 * #CONFLICT_ATTEMPTS} times. When the status itself changed (another writer, or a write of ours the
 * cache has not seen), it writes nothing and throws {@link StaleStatusException}: the reconciler
 * computes again from the newer object, so a newer status is never overwritten with stale data.
 *
 * <p>It goes through the controller's client and hands the written (or newer) resource to the
 * controller's informer cache (JOSDK's {@code handleRecentResourceUpdate}, as its {@code
 * PrimaryUpdateAndCacheUtils} does), so the next pass reads it even before the watch event arrives.
 */
final class StatusPatch {
  private static final Logger LOG = LoggerFactory.getLogger(StatusPatch.class);
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  /** Writes of one status when each gets 409 while the object's status stays the same. */
  static final int CONFLICT_ATTEMPTS = 5;

  /** How soon a reconciler whose status was stale computes it again. */
  static final Duration RECOMPUTE_DELAY = Duration.ofMillis(200);

  /** The object's status changed since it was read: compute the status again from the newer one. */
  static final class StaleStatusException extends RuntimeException {
    StaleStatusException(String message) {
      super(message);
    }
  }

  private StatusPatch() {}

  /**
   * Replaces the status of {@code primary}, the resource {@code context} reconciles, by {@code
   * status} computed from it, and puts the result in the controller's cache. Returns the resource
   * as written, or null when it is gone.
   *
   * @throws StaleStatusException the status on the server is no longer {@code primary}'s
   * @throws KubernetesClientException the API server refused or could not be reached
   */
  static <P extends CustomResource<?, ?>> P write(Context<P> context, P primary, Object status) {
    @SuppressWarnings("unchecked")
    Class<P> type = (Class<P>) primary.getClass();
    KubernetesClient client = context.getClient();
    String version = primary.getMetadata().getResourceVersion();
    for (int attempt = 1; ; attempt++) {
      try {
        P written =
            resource(client, type, primary)
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON), patch(version, status));
        cache(context, written, primary);
        return written;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
        P fresh = resource(client, type, primary).get();
        if (fresh == null) {
          return null;
        }
        String what = type.getSimpleName() + " " + name(primary);
        if (!Objects.equals(fresh.getStatus(), primary.getStatus())) {
          cache(context, fresh, primary);
          throw new StaleStatusException(
              "the status of "
                  + what
                  + " changed since version "
                  + version
                  + " (now "
                  + fresh.getMetadata().getResourceVersion()
                  + "): computing it again from the newer one");
        }
        LOG.debug(
            "status of {}: conflict on version {}, status unchanged at {}: writing again",
            what,
            version,
            fresh.getMetadata().getResourceVersion());
        version = fresh.getMetadata().getResourceVersion();
      }
    }
  }

  /** The JSON patch: the version as precondition (when known), then the whole status. */
  static String patch(String resourceVersion, Object status) {
    ArrayNode patch = JSON.createArrayNode();
    if (resourceVersion != null) {
      ObjectNode lock = patch.addObject();
      lock.put("op", "add");
      lock.put("path", "/metadata/resourceVersion");
      lock.put("value", resourceVersion);
    }
    ObjectNode op = patch.addObject();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", JSON.valueToTree(status));
    return patch.toString();
  }

  private static <P extends CustomResource<?, ?>> void cache(
      Context<P> context, P newer, P primary) {
    if (newer != null) {
      context
          .eventSourceRetriever()
          .getControllerEventSource()
          .handleRecentResourceUpdate(ResourceID.fromResource(newer), newer, primary);
    }
  }

  private static <T extends CustomResource<?, ?>> Resource<T> resource(
      KubernetesClient client, Class<T> type, T resource) {
    var ops = client.resources(type);
    String ns = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    return ns == null ? ops.withName(name) : ops.inNamespace(ns).withName(name);
  }

  private static String name(CustomResource<?, ?> r) {
    String ns = r.getMetadata().getNamespace();
    return ns == null ? r.getMetadata().getName() : ns + "/" + r.getMetadata().getName();
  }
}
