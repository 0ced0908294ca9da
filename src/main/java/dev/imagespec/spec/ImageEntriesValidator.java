package dev.imagespec.spec;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.InvalidArgumentException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks {@code spec.images}: each entry's reference, platform, tags and push targets, and that no
 * reference is declared twice, within an entry or across entries.
 */
final class ImageEntriesValidator {
  private static final Pattern PLATFORM = Pattern.compile(ImageEntry.PLATFORM_PATTERN);

  private ImageEntriesValidator() {}

  /** Adds every violation of {@code s.images} to {@code out}. */
  static void validate(ImageSpecSpec s, List<Violation> out) {
    List<ImageEntry> images = s.getImages();
    if (images == null || images.isEmpty()) {
      out.add(new Violation("spec.images", "required: at least 1 image"));
      return;
    }
    if (images.size() > ImageSpecSpec.MAX_IMAGES) {
      out.add(
          new Violation(
              "spec.images",
              "too many images: " + images.size() + " (at most " + ImageSpecSpec.MAX_IMAGES + ")"));
    }
    // canonical reference -> field that declared it first (images, tags, push targets)
    Map<String, String> imageFields = new HashMap<>();
    Map<String, String> declared = new HashMap<>();
    Map<String, Integer> declaredBy = new HashMap<>();
    for (int i = 0; i < images.size(); i++) {
      String base = "spec.images[" + i + "]";
      ImageEntry e = images.get(i);
      if (e == null) {
        out.add(new Violation(base, "must not be null"));
        continue;
      }
      ImageReference ref = null;
      if (e.getImage() == null || e.getImage().isBlank()) {
        out.add(new Violation(base + ".image", "required"));
      } else {
        ref = reference(base + ".image", e.getImage(), out);
      }
      if (ref != null) {
        String canonical = ref.withDefaultTag().canonical();
        String first = imageFields.putIfAbsent(canonical, base + ".image");
        if (first != null) {
          out.add(
              new Violation(
                  base + ".image",
                  "duplicate image '"
                      + e.getImage()
                      + "': same as "
                      + first
                      + " ("
                      + canonical
                      + ")"));
        } else {
          declare(canonical, base + ".image", i, declared, declaredBy, out);
        }
      }
      if (e.getPlatform() != null && !PLATFORM.matcher(e.getPlatform()).matches()) {
        out.add(
            new Violation(
                base + ".platform",
                "invalid platform '"
                    + e.getPlatform()
                    + "': expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8"));
      }
      boolean absent = e.ensureOrDefault() == Ensure.Absent;
      if (absent && !e.tagsOrEmpty().isEmpty()) {
        out.add(new Violation(base + ".tags", "must be empty when ensure is Absent"));
      }
      if (absent && !e.pushesOrEmpty().isEmpty()) {
        out.add(new Violation(base + ".pushes", "must be empty when ensure is Absent"));
      }
      Map<String, String> own = new HashMap<>();
      if (ref != null) {
        own.put(ref.withDefaultTag().canonical(), base + ".image");
      }
      List<String> tags = e.tagsOrEmpty();
      for (int k = 0; k < tags.size(); k++) {
        String field = base + ".tags[" + k + "]";
        ImageReference t = localReference(field, tags.get(k), "tag", out);
        if (t == null) {
          continue;
        }
        String canonical = t.withDefaultTag().canonical();
        String first = own.putIfAbsent(canonical, field);
        if (first != null) {
          out.add(
              new Violation(field, "duplicate reference '" + tags.get(k) + "': same as " + first));
        } else {
          declare(canonical, field, i, declared, declaredBy, out);
        }
      }
      List<PushTarget> pushes = e.pushesOrEmpty();
      Map<String, String> pushTargets = new HashMap<>();
      for (int k = 0; k < pushes.size(); k++) {
        String field = base + ".pushes[" + k + "]";
        PushTarget p = pushes.get(k);
        if (p == null) {
          out.add(new Violation(field, "must not be null"));
          continue;
        }
        if (p.getCredentialsSecret() != null) {
          SecretReferences.checkName(field + ".credentialsSecret", p.getCredentialsSecret(), out);
        }
        if (p.getTo() == null || p.getTo().isBlank()) {
          out.add(new Violation(field + ".to", "required"));
          continue;
        }
        ImageReference to = localReference(field + ".to", p.getTo(), "push target", out);
        if (to == null) {
          continue;
        }
        String canonical = to.withDefaultTag().canonical();
        if (ref != null && canonical.equals(ref.withDefaultTag().canonical())) {
          out.add(
              new Violation(field + ".to", "push target '" + p.getTo() + "' is the image itself"));
          continue;
        }
        String first = pushTargets.putIfAbsent(canonical, field + ".to");
        if (first != null) {
          out.add(
              new Violation(
                  field + ".to", "duplicate push target '" + p.getTo() + "': same as " + first));
          continue;
        }
        if (!own.containsKey(canonical)) {
          declare(canonical, field + ".to", i, declared, declaredBy, out);
        }
      }
    }
  }

  /** Records that entry {@code index} declares {@code canonical}; another entry may not. */
  private static void declare(
      String canonical,
      String field,
      int index,
      Map<String, String> declared,
      Map<String, Integer> declaredBy,
      List<Violation> out) {
    String first = declared.putIfAbsent(canonical, field);
    if (first != null && declaredBy.get(canonical) != index) {
      out.add(
          new Violation(
              field,
              "reference '" + canonical + "' is also declared by " + first + " (another image)"));
    }
    declaredBy.putIfAbsent(canonical, index);
  }

  private static ImageReference reference(String field, String value, List<Violation> out) {
    try {
      return ImageReference.parse(value);
    } catch (InvalidArgumentException e) {
      out.add(new Violation(field, e.getMessage()));
      return null;
    }
  }

  private static ImageReference localReference(
      String field, String value, String what, List<Violation> out) {
    if (value == null || value.isBlank()) {
      out.add(new Violation(field, "required"));
      return null;
    }
    ImageReference ref = reference(field, value, out);
    if (ref != null && ref.hasDigest()) {
      out.add(
          new Violation(
              field, what + " '" + value + "' must not have a digest (use repository:tag)"));
      return null;
    }
    return ref;
  }
}
