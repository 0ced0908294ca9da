package dev.imagespec.engine.cri;

/**
 * A container in a CRI runtime, running or not: enough to tell which images are in use.
 *
 * @param id container ID
 * @param name {@code namespace/pod/container} when the kubelet's labels say so, else the CRI
 *     metadata name
 * @param imageId ID of the image it runs ({@code sha256:...})
 * @param image the image reference it was created with
 * @param state CRI state, e.g. {@code CONTAINER_RUNNING}, {@code CONTAINER_EXITED}
 */
public record CriContainer(String id, String name, String imageId, String image, String state) {
  /**
   * Whether this container runs {@code i}: by image ID (with or without {@code sha256:}), or by a
   * name or digest reference of the image (runtimes differ in what they report).
   */
  public boolean uses(CriImage i) {
    if (imageId != null && bare(imageId).equals(bare(i.id()))) {
      return true;
    }
    for (String ref : new String[] {imageId, image}) {
      if (ref == null || ref.isEmpty()) {
        continue;
      }
      if (i.repoTags().contains(ref) || i.repoDigests().contains(ref)) {
        return true;
      }
      String qualified = qualified(ref);
      if (i.repoTags().contains(qualified) || i.repoDigests().contains(qualified)) {
        return true;
      }
    }
    return false;
  }

  /** {@code pause:3.6} → {@code docker.io/library/pause:3.6}, as the runtime names images. */
  private static String qualified(String ref) {
    try {
      return CriRuntime.normalise(ref);
    } catch (RuntimeException e) {
      return ref;
    }
  }

  private static String bare(String id) {
    return id == null ? "" : id.startsWith("sha256:") ? id.substring("sha256:".length()) : id;
  }
}
