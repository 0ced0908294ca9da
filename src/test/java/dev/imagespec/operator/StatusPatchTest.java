package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.testing.MockApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where a status write can get 409 Conflict: the JSON patch {@link StatusPatch} wrote before, a
 * bare {@code add /status}, carries no resourceVersion, so the API server applies it to whatever
 * version it holds (never 409, and a status computed from an older version overwrites a newer one);
 * the patch it writes now names the version it was computed from and gets 409 once the object moved
 * on. On Fabric8's CRUD mock, which checks a patched resourceVersion as the API server does.
 */
class StatusPatchTest {
  static MockApiServer server;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    MockApiServer.quiet();
    server = MockApiServer.crud();
    client = server.client();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static ImageNodeStatus status(String specsReady) {
    ImageNodeStatus s = new ImageNodeStatus();
    s.setSpecsReady(specsReady);
    return s;
  }

  static ImageNode patch(String name, String patch) {
    return client
        .resources(ImageNode.class)
        .withName(name)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch);
  }

  /** The node as read, then changed by someone else (a label: a new resourceVersion). */
  static ImageNode readThenChanged(String name) {
    ImageNode read = client.resource(ImageNode.of(name)).create();
    ImageNode moved =
        client
            .resources(ImageNode.class)
            .withName(name)
            .edit(
                n -> {
                  n.getMetadata().setLabels(Map.of("changed", "yes"));
                  return n;
                });
    assertThat(moved.getMetadata().getResourceVersion())
        .isNotEqualTo(read.getMetadata().getResourceVersion());
    return read;
  }

  @Test
  void aBareAddStatusIsNeverAConflict() {
    readThenChanged("bare");
    ImageNode written = patch("bare", StatusPatch.patch(null, status("1/1")));
    assertThat(written.getStatus().getSpecsReady()).isEqualTo("1/1");
  }

  @Test
  void thePatchWithTheVersionReadGetsAConflictOnceTheObjectMovedOn() {
    ImageNode read = readThenChanged("locked");
    assertThatThrownBy(
            () ->
                patch(
                    "locked",
                    StatusPatch.patch(read.getMetadata().getResourceVersion(), status("1/1"))))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(client.resources(ImageNode.class).withName("locked").get().getStatus()).isNull();

    String current =
        client
            .resources(ImageNode.class)
            .withName("locked")
            .get()
            .getMetadata()
            .getResourceVersion();
    ImageNode written = patch("locked", StatusPatch.patch(current, status("2/2")));
    assertThat(written.getStatus().getSpecsReady()).isEqualTo("2/2");
    assertThat(written.getMetadata().getLabels()).containsEntry("changed", "yes");
  }
}
