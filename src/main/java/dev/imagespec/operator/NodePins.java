package dev.imagespec.operator;

import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.engine.cri.UnsupportedByRuntimeException;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.EngineInfo;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodePinning;
import dev.imagespec.spec.SpecKey;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pinning against the kubelet's image GC: the names (image and tags) of the entries that are
 * Present on this node, of the specs whose {@code pinOrDefault()} is true, are pinned through the
 * {@link ImageBackend} (containerd: label {@code io.cri-containerd.pinned=pinned}); pins imagespec
 * set on names no longer wanted are taken off. The outcome is the ImageNode's {@code pinning}.
 */
final class NodePins {
  private static final Logger LOG = LoggerFactory.getLogger(NodePins.class);
  private static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)\\.(\\d+)");

  private NodePins() {}

  /** Canonical names to pin: image and tags of the Present entries of specs that ask for pin. */
  static Set<String> wanted(List<ImageSpec> live, ReconcileResult result) {
    Set<String> out = new LinkedHashSet<>();
    for (ImageSpec s : live) {
      if (s.getSpec() == null || !s.getSpec().pinOrDefault()) {
        continue;
      }
      ImageSpecStatus st = result.statuses().get(SpecKey.of(s));
      List<ImageEntry> entries = s.getSpec().imagesOrEmpty();
      if (st == null || st.getImages() == null || st.getImages().size() != entries.size()) {
        continue;
      }
      for (int i = 0; i < entries.size(); i++) {
        ImageStatus img = st.getImages().get(i);
        // Present, or on the node while it waits (access, permit) or a tag failed: a pin that
        // came off in such a moment would let the kubelet's GC take the image then
        if (img.getState() != ImageState.Present && img.getId() == null) {
          continue;
        }
        ImageEntry e = entries.get(i);
        ExternalRemovals.canonical(e.getImage()).ifPresent(out::add);
        e.tagsOrEmpty().forEach(t -> ExternalRemovals.canonical(t).ifPresent(out::add));
      }
    }
    return out;
  }

  /**
   * Pins {@code wanted} (unpins what imagespec pinned before when it is empty); null when nothing
   * is wanted and nothing was pinned before ({@code previous} null), else the node's pinning.
   */
  static NodePinning apply(ImageBackend engine, Set<String> wanted, NodePinning previous) {
    if (wanted.isEmpty()
        && (previous == null || !NodePinning.LABELED.equals(previous.getState()))) {
      return null;
    }
    try {
      CriRuntime.Pins pins = engine.pin(wanted);
      if (!pins.labeled().isEmpty() || !pins.unpinned().isEmpty()) {
        LOG.info(
            "pinned {} image name(s), unpinned {}: {} {}",
            pins.labeled().size(),
            pins.unpinned().size(),
            pins.labeled(),
            pins.unpinned());
      }
      if (wanted.isEmpty()) {
        return null;
      }
      return new NodePinning(
          NodePinning.LABELED, pins.pinned().size(), labeledMessage(engine.info()));
    } catch (UnsupportedByRuntimeException e) {
      return wanted.isEmpty()
          ? null
          : new NodePinning(
              NodePinning.UNSUPPORTED, null, Conditions.shorten(e.getMessage(), 1024));
    } catch (RuntimeException e) {
      return new NodePinning(
          NodePinning.FAILED,
          null,
          Conditions.shorten(
              "cannot label the images: " + ErrorMessages.of(e) + "; the next pass tries again",
              1024));
    }
  }

  static String labeledMessage(EngineInfo info) {
    String runtime = info.getKind() + " " + info.getVersion();
    String label = CriRuntime.PINNED_LABEL + "=" + CriRuntime.PINNED_VALUE;
    return reportsPinned(info.getVersion())
        ? "labeled " + label + ": " + runtime + " reports them pinned, kubelets >= 1.28 keep them"
        : "labeled "
            + label
            + ", but "
            + runtime
            + " does not report them pinned to the kubelet: upgrade containerd to >= 1.6.25 /"
            + " 1.7.10 (with kubelet >= 1.28) for the image GC to keep them";
  }

  /** Whether containerd {@code version} reports labeled images pinned: 1.6.25+, 1.7.10+, 2.x. */
  static boolean reportsPinned(String version) {
    Matcher m = VERSION.matcher(version == null ? "" : version);
    if (!m.find()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    int patch = Integer.parseInt(m.group(3));
    if (major != 1) {
      return major > 1;
    }
    return minor > 7 || (minor == 7 && patch >= 10) || (minor == 6 && patch >= 25);
  }
}
