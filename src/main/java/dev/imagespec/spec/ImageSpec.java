package dev.imagespec.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An {@code imagespec.dev/v1alpha1} {@code ImageSpec}: which images must (or must not) be on an
 * engine. The Java model is the single source of truth for the CRD.
 */
@Group(ImageSpec.GROUP)
@Version(ImageSpec.VERSION)
@ShortNames("ispec")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Nodes",
    jsonPath = ".status.nodes.summary",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Images",
    jsonPath = ".status.imagesReady",
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
@SchemaSwap(
    originalType = ImageSpecSpec.class,
    fieldName = "nodeSelector",
    targetType = NodeSelectorSchema.class)
public class ImageSpec extends CustomResource<ImageSpecSpec, ImageSpecStatus>
    implements Namespaced {
  public static final String GROUP = "imagespec.dev";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String KIND = "ImageSpec";

  public ImageSpec() {}

  /** Read tolerantly from the API server ({@link TolerantRead}), strictly from manifests. */
  @Override
  @JsonDeserialize(using = TolerantRead.Reader.class)
  public void setSpec(ImageSpecSpec spec) {
    super.setSpec(spec);
  }

  @Override
  @JsonSerialize(using = TolerantRead.SpecWriter.class)
  public ImageSpecSpec getSpec() {
    return super.getSpec();
  }

  /** Read tolerantly from the API server ({@link TolerantRead}), strictly from manifests. */
  @Override
  @JsonDeserialize(using = TolerantRead.Reader.class)
  public void setStatus(ImageSpecStatus status) {
    super.setStatus(status);
  }

  /** A spec named {@code namespace/name} (namespace may be null for {@code default}). */
  public static ImageSpec of(String namespace, String name, ImageSpecSpec spec) {
    ImageSpec s = new ImageSpec();
    ObjectMeta meta = new ObjectMeta();
    meta.setNamespace(namespace);
    meta.setName(name);
    s.setMetadata(meta);
    s.setSpec(spec);
    return s;
  }
}
