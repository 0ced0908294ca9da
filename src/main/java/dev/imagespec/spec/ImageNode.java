package dev.imagespec.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An {@code imagespec.dev/v1alpha1} {@code ImageNode} (cluster-scoped): one per node, named after
 * the node, written by that node's agent. Its status says which engine the agent drives and, for
 * every ImageSpec that applies to the node, what the agent found and did.
 */
@Group(ImageSpec.GROUP)
@Version(ImageSpec.VERSION)
@ShortNames("inode")
@AdditionalPrinterColumn(
    name = "Engine",
    jsonPath = ".status.engine.kind",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Version",
    jsonPath = ".status.engine.version",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Specs",
    jsonPath = ".status.specsReady",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ImageNode extends CustomResource<ImageNodeSpec, ImageNodeStatus> {
  public static final String KIND = "ImageNode";

  public ImageNode() {}

  /** Read tolerantly ({@link TolerantRead}): unknown fields ignored, unreadable as none. */
  @Override
  @JsonDeserialize(using = TolerantRead.Reader.class)
  public void setSpec(ImageNodeSpec spec) {
    super.setSpec(spec);
  }

  /** Read tolerantly ({@link TolerantRead}): unknown fields ignored, unreadable as none. */
  @Override
  @JsonDeserialize(using = TolerantRead.Reader.class)
  public void setStatus(ImageNodeStatus status) {
    super.setStatus(status);
  }

  /** An ImageNode named after {@code node}. */
  public static ImageNode of(String node) {
    ImageNode n = new ImageNode();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(node);
    n.setMetadata(meta);
    ImageNodeSpec spec = new ImageNodeSpec();
    spec.setNodeName(node);
    n.setSpec(spec);
    return n;
  }
}
