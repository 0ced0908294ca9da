package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's image list indexed by normalised reference: RepoTags (familiar, fully qualified or
 * Podman's {@code localhost/...} forms) and RepoDigests are parsed, so comparisons are on canonical
 * forms.
 */
final class LocalIndex {
  private final List<LocalImage> images;
  private final Map<String, LocalImage> byTag = new HashMap<>();
  private final Map<String, LocalImage> byDigest = new HashMap<>();
  private final Map<String, LocalImage> byId = new HashMap<>();

  LocalIndex(List<LocalImage> images) {
    this.images = images == null ? List.of() : images;
    for (LocalImage img : this.images) {
      if (img.id() != null) {
        byId.putIfAbsent(Ids.norm(img.id()), img);
      }
      for (ImageReference t : tags(img)) {
        byTag.putIfAbsent(t.canonical(), img);
      }
      for (String d : img.repoDigests()) {
        ImageReference r = parse(d);
        if (r != null && r.hasDigest()) {
          byDigest.putIfAbsent(r.repository() + "@" + r.digest().get(), img);
        }
      }
    }
  }

  List<LocalImage> images() {
    return images;
  }

  /** The local image a reference names: by tag, or by repository digest when pinned. */
  LocalImage find(ImageReference ref) {
    if (ref.hasDigest()) {
      return byDigest.get(ref.repository() + "@" + ref.digest().get());
    }
    return byTag.get(ref.withDefaultTag().canonical());
  }

  LocalImage byTag(String canonical) {
    return byTag.get(canonical);
  }

  LocalImage byId(String id) {
    return id == null ? null : byId.get(Ids.norm(id));
  }

  static ImageReference parse(String text) {
    if (text == null || text.isEmpty() || text.startsWith("<none>")) {
      return null;
    }
    try {
      return ImageReference.parse(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The image's valid tag references (defaulted, without {@code <none>:<none>}). */
  static List<ImageReference> tags(LocalImage img) {
    List<ImageReference> out = new ArrayList<>();
    for (String t : img.repoTags()) {
      ImageReference r = parse(t);
      if (r != null && !r.hasDigest()) {
        out.add(r.withDefaultTag());
      }
    }
    return out;
  }

  /** Digests the image has for {@code repository} (from RepoDigests), in engine order. */
  static List<String> digests(LocalImage img, String repository) {
    List<String> out = new ArrayList<>();
    if (img == null) {
      return out;
    }
    for (String d : img.repoDigests()) {
      ImageReference r = parse(d);
      if (r != null && r.hasDigest() && r.repository().equals(repository)) {
        out.add(r.digest().get());
      }
    }
    return out;
  }

  /** Every repository digest of the image. */
  static List<String> allDigests(LocalImage img) {
    List<String> out = new ArrayList<>();
    for (String d : img.repoDigests()) {
      ImageReference r = parse(d);
      if (r != null && r.hasDigest()) {
        out.add(r.repository() + "@" + r.digest().get());
      }
    }
    return out;
  }

  static boolean isDangling(LocalImage img) {
    return tags(img).isEmpty();
  }
}
