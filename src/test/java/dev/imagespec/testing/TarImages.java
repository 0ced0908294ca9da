package dev.imagespec.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Images that engines can pull and unpack (unlike {@link RegistryImages}' random layers): one
 * uncompressed tar layer holding one file of random bytes, so every image has a layer of its own
 * that no engine holds yet. Pushed with {@link RegistryClient}; registered with a {@link
 * RegistryImages} for deletion.
 */
public final class TarImages {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TarImages() {}

  /**
   * Pushes {@code ref} (tagged): a layer with {@code /data} of {@code fileSize} random bytes from
   * {@code seed}, a linux/amd64 config; records it in {@code cleanup}.
   *
   * @return the pushed image; its {@code blobs} are the config, then the layer
   */
  public static RegistryImages.Pushed push(
      RegistryClient client, RegistryImages cleanup, ImageReference ref, long seed, int fileSize) {
    try {
      byte[] data = new byte[fileSize];
      new SplittableRandom(seed).nextBytes(data);
      ByteArrayOutputStream tar = new ByteArrayOutputStream(fileSize + 4096);
      try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
        TarArchiveEntry e = new TarArchiveEntry("data");
        e.setSize(fileSize);
        e.setMode(0644);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
        out.finish();
      }
      byte[] layer = tar.toByteArray();
      String layerDigest = client.uploadBlob(ref, layer, null);
      ObjectNode config = JSON.createObjectNode();
      config.put("architecture", "amd64");
      config.put("os", "linux");
      config.putObject("config").putArray("Cmd").add("/data");
      config.put("created", "2026-01-01T00:00:00Z");
      ObjectNode rootfs = config.putObject("rootfs");
      rootfs.put("type", "layers");
      rootfs.putArray("diff_ids").add(layerDigest);
      byte[] configBytes = JSON.writeValueAsBytes(config);
      String configDigest = client.uploadBlob(ref, configBytes, null);
      ObjectNode m = JSON.createObjectNode();
      m.put("schemaVersion", 2);
      m.put("mediaType", RegistryClient.OCI_MANIFEST);
      m.set("config", descriptor(RegistryImages.OCI_CONFIG, configDigest, configBytes.length));
      m.putArray("layers").add(descriptor(RegistryImages.OCI_LAYER, layerDigest, layer.length));
      byte[] manifest = JSON.writeValueAsBytes(m);
      String digest = client.putManifest(ref, RegistryClient.OCI_MANIFEST, manifest, null);
      RegistryImages.Pushed pushed =
          new RegistryImages.Pushed(
              ref,
              digest,
              RegistryClient.OCI_MANIFEST,
              List.of(digest),
              List.of(configDigest, layerDigest),
              layer.length + configBytes.length);
      cleanup.copiedTo(pushed, ref, null);
      return pushed;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode descriptor(String mediaType, String digest, long size) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", digest);
    d.put("size", size);
    return d;
  }
}
