package dev.imagespec.operator;

import dev.imagespec.spec.ImageNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's ImageNode, before its controller starts: created for the node when missing (owned by
 * the Node, so that it goes away with it) and labelled with {@link #NODE_LABEL}, which the agent's
 * informer selects on.
 */
public final class ImageNodeRegistration {
  private static final Logger LOG = LoggerFactory.getLogger(ImageNodeRegistration.class);

  /** Label on an ImageNode naming its node; the agent's informer selects on it. */
  public static final String NODE_LABEL = "imagespec.dev/node";

  private ImageNodeRegistration() {}

  /**
   * Makes sure the node's ImageNode exists and carries {@link #NODE_LABEL}; owned by the Node when
   * the Node exists. Returns the label's value.
   */
  static String ensure(KubernetesClient client, String node) {
    String label = labelValue(node);
    var resource = client.resources(ImageNode.class).withName(node);
    ImageNode existing = resource.get();
    if (existing == null) {
      ImageNode n = ImageNode.of(node);
      n.getMetadata().setLabels(Map.of(NODE_LABEL, label));
      Node k8sNode = client.nodes().withName(node).get();
      if (k8sNode != null) {
        n.getMetadata()
            .setOwnerReferences(
                List.of(
                    new OwnerReferenceBuilder()
                        .withApiVersion("v1")
                        .withKind("Node")
                        .withName(node)
                        .withUid(k8sNode.getMetadata().getUid())
                        .build()));
      } else {
        LOG.warn("node {} not found: its ImageNode has no owner", node);
      }
      client.resource(n).create();
      LOG.info("created ImageNode {}", node);
    } else if (existing.getMetadata().getLabels() == null
        || !label.equals(existing.getMetadata().getLabels().get(NODE_LABEL))) {
      resource.edit(
          n -> {
            var labels =
                n.getMetadata().getLabels() == null
                    ? new HashMap<String, String>()
                    : new HashMap<>(n.getMetadata().getLabels());
            labels.put(NODE_LABEL, label);
            n.getMetadata().setLabels(labels);
            return n;
          });
    }
    return label;
  }

  /** The node name as a label value: itself when it is one, else a hash of it. */
  static String labelValue(String node) {
    if (node.length() <= 63 && node.matches("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")) {
      return node;
    }
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(node.getBytes(StandardCharsets.UTF_8));
      return "h-" + HexFormat.of().formatHex(h).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
