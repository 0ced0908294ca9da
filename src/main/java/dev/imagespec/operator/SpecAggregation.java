package dev.imagespec.operator;

import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeCounts;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeCounts;
import dev.imagespec.spec.NodeMessage;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Folds the ImageNodes' reports on one ImageSpec into the spec's status: node counts, per-image
 * counts with the first few failing nodes, and Ready/Progressing/Degraded naming the failing node.
 * The result is O(images), whatever the number of nodes. Pure: no client, no clock.
 */
final class SpecAggregation {
  /** Failing nodes listed per image and in conditions. */
  static final int MAX_NODES_LISTED = 3;

  static final int MAX_MESSAGE = 512;

  private SpecAggregation() {}

  /** One node's entry for the spec. */
  record Report(String node, NodeSpecStatus entry) {}

  /**
   * The entries of {@code spec} in {@code nodes}, by node name (uid checked when both have one).
   */
  static List<Report> reports(ImageSpec spec, List<ImageNode> nodes) {
    SpecKey key = SpecKey.of(spec);
    String uid = spec.getMetadata().getUid();
    List<Report> out = new ArrayList<>();
    for (ImageNode n : nodes) {
      if (n.getStatus() == null) {
        continue;
      }
      n.getStatus()
          .spec(key.namespace(), key.name())
          .filter(e -> uid == null || e.getUid() == null || uid.equals(e.getUid()))
          .ifPresent(e -> out.add(new Report(n.getMetadata().getName(), e)));
    }
    out.sort(Comparator.comparing(Report::node));
    return out;
  }

  /** The spec's status from the reports, with no pushes. */
  static ImageSpecStatus aggregate(
      ImageSpec spec, List<Report> reports, ImageSpecStatus previous, Instant now) {
    return aggregate(spec, reports, ClusterPushes.Observation.NONE, previous, now);
  }

  /**
   * The spec's status from the reports and the aggregator's own pushes; conditions keep their times
   * from {@code previous}. The spec is Ready when every node converged and every push target serves
   * the image; a failed push makes it Degraded.
   */
  static ImageSpecStatus aggregate(
      ImageSpec spec,
      List<Report> reports,
      ClusterPushes.Observation pushes,
      ImageSpecStatus previous,
      Instant now) {
    Long generation = spec.getMetadata().getGeneration();
    List<Report> current = new ArrayList<>();
    List<String> readyNodes = new ArrayList<>();
    List<Report> failedNodes = new ArrayList<>();
    List<String> pendingNodes = new ArrayList<>();
    for (Report r : reports) {
      boolean isCurrent = Objects.equals(generation, r.entry().getObservedGeneration());
      if (isCurrent) {
        current.add(r);
      }
      if (isCurrent && r.entry().isReady()) {
        readyNodes.add(r.node());
      } else if (isCurrent && r.entry().isDegraded()) {
        failedNodes.add(r);
      } else {
        pendingNodes.add(r.node());
      }
    }
    int desired = reports.size();
    ImageSpecStatus st = new ImageSpecStatus();
    st.setObservedGeneration(generation);
    st.setNodes(new NodeCounts(desired, readyNodes.size(), failedNodes.size()));

    List<ImageEntry> entries = spec.getSpec() == null ? List.of() : spec.getSpec().imagesOrEmpty();
    List<ImageStatus> images = new ArrayList<>();
    int imagesReady = 0;
    for (int i = 0; i < entries.size(); i++) {
      ImageEntry e = entries.get(i);
      ImageStatus img = image(i, e, current, desired);
      if (desired > 0 && img.getNodes().getReady() == desired) {
        imagesReady++;
      }
      images.add(img);
    }
    st.setImages(images);
    st.setImagesReady(imagesReady + "/" + entries.size());
    st.setPushes(pushes.pushes().isEmpty() ? null : List.copyOf(pushes.pushes()));
    String pushFailedReason = null;
    List<String> pushProblems = new ArrayList<>();
    List<String> pushesWaiting = new ArrayList<>();
    for (int i = 0; i < pushes.pushes().size(); i++) {
      PushStatus p = pushes.pushes().get(i);
      if (p.getState() == PushState.Failed) {
        pushFailedReason =
            pushFailedReason != null
                ? pushFailedReason
                : Objects.requireNonNullElse(pushes.reasons().get(i), Reasons.PUSH_FAILED);
        pushProblems.add("push to " + p.getTo() + ": " + p.getMessage());
      } else if (p.getState() != PushState.Pushed) {
        pushesWaiting.add(p.getTo());
      }
    }

    List<Condition> prev = previous == null ? null : previous.getConditions();
    boolean nodesReady = desired > 0 && readyNodes.size() == desired;
    boolean ready = nodesReady && pushProblems.isEmpty() && pushesWaiting.isEmpty();
    String degradedReason = null;
    String degradedMessage = null;
    if (failedNodes.isEmpty() && !pushProblems.isEmpty()) {
      degradedReason = pushFailedReason;
      degradedMessage = Conditions.shorten(String.join("; ", pushProblems), MAX_MESSAGE * 2);
    } else if (!failedNodes.isEmpty()) {
      Report first = failedNodes.get(0);
      Optional<Condition> c =
          Conditions.find(first.entry().getConditions(), ImageSpecStatus.DEGRADED);
      degradedReason = c.map(Condition::getReason).orElse(Reasons.NODE_FAILED);
      List<String> parts = new ArrayList<>();
      for (Report r : failedNodes.subList(0, Math.min(MAX_NODES_LISTED, failedNodes.size()))) {
        parts.add(
            "node "
                + r.node()
                + ": "
                + Conditions.find(r.entry().getConditions(), ImageSpecStatus.DEGRADED)
                    .map(Condition::getMessage)
                    .orElse("degraded"));
      }
      parts.addAll(pushProblems);
      degradedMessage =
          Conditions.shorten(
              String.join("; ", parts)
                  + (failedNodes.size() > MAX_NODES_LISTED
                      ? "; and " + (failedNodes.size() - MAX_NODES_LISTED) + " more node(s)"
                      : ""),
              MAX_MESSAGE * 2);
    }
    String readyReason;
    String readyMessage;
    if (ready) {
      readyReason = Reasons.CONVERGED;
      readyMessage = "converged on " + desired + "/" + desired + " node(s)";
    } else if (nodesReady && degradedReason == null) {
      readyReason = Reasons.PENDING;
      readyMessage =
          "converged on "
              + desired
              + "/"
              + desired
              + " node(s); copying to "
              + String.join(", ", pushesWaiting);
    } else if (desired == 0) {
      readyReason = Reasons.NO_MATCHING_NODES;
      readyMessage = "no node with an imagespec agent matches nodeSelector";
    } else if (degradedReason != null) {
      readyReason = degradedReason;
      readyMessage = readyNodes.size() + "/" + desired + " node(s) converged; " + degradedMessage;
    } else {
      readyReason = Reasons.PENDING;
      readyMessage =
          readyNodes.size()
              + "/"
              + desired
              + " node(s) converged; waiting for "
              + list(pendingNodes);
    }
    List<Condition> conditions =
        Conditions.against(prev, generation, now)
            .ready(ready, readyReason, Conditions.shorten(readyMessage, MAX_MESSAGE * 2))
            .progressing(
                !pendingNodes.isEmpty() || !pushesWaiting.isEmpty(),
                !pendingNodes.isEmpty()
                    ? Reasons.NODES_PENDING
                    : !pushesWaiting.isEmpty() ? Reasons.PUSHES_PENDING : Reasons.RECONCILED,
                !pendingNodes.isEmpty()
                    ? pendingNodes.size() + " node(s) not converged yet: " + list(pendingNodes)
                    : !pushesWaiting.isEmpty()
                        ? "copying to " + String.join(", ", pushesWaiting)
                        : "every node reported the current generation")
            .degraded(
                degradedReason != null,
                degradedReason == null ? Reasons.AS_EXPECTED : degradedReason,
                degradedReason == null ? "no node or push reports a failure" : degradedMessage)
            .build();
    st.setConditions(conditions);
    return st;
  }

  private static String list(List<String> nodes) {
    return String.join(", ", nodes.subList(0, Math.min(MAX_NODES_LISTED, nodes.size())))
        + (nodes.size() > MAX_NODES_LISTED
            ? " and " + (nodes.size() - MAX_NODES_LISTED) + " more"
            : "");
  }

  private static ImageStatus image(int index, ImageEntry e, List<Report> current, int desired) {
    String image = e == null ? null : e.getImage();
    boolean wantPresent = e == null || e.ensureOrDefault() == Ensure.Present;
    int ready = 0;
    int failed = 0;
    int waiting = 0;
    List<NodeMessage> failures = new ArrayList<>();
    String id = null;
    String digest = null;
    boolean sameId = true;
    boolean sameDigest = true;
    for (Report r : current) {
      List<ImageStatus> list = r.entry().getImages();
      ImageStatus s = list != null && index < list.size() ? list.get(index) : null;
      if (s == null || !Objects.equals(image, s.getImage())) {
        continue;
      }
      ImageState state = s.getState();
      if (state == (wantPresent ? ImageState.Present : ImageState.Absent)) {
        ready++;
        if (ready == 1) {
          id = s.getId();
          digest = s.getDigest();
        } else {
          sameId &= Objects.equals(id, s.getId());
          sameDigest &= Objects.equals(digest, s.getDigest());
        }
      } else if (state == ImageState.Waiting) {
        waiting++;
      } else if (state == ImageState.Failed || state == ImageState.Conflict) {
        failed++;
        if (failures.size() < MAX_NODES_LISTED) {
          failures.add(
              new NodeMessage(
                  r.node(),
                  Conditions.shorten(
                      state + (s.getMessage() == null ? "" : ": " + s.getMessage()), MAX_MESSAGE)));
        }
      }
    }
    int pending = Math.max(0, desired - ready - failed - waiting);
    ImageStatus out = new ImageStatus();
    out.setImage(image);
    out.setNodes(new ImageNodeCounts(ready, failed, pending, waiting));
    out.setFailedNodes(failures.isEmpty() ? null : failures);
    if (failed > 0) {
      out.setState(ImageState.Failed);
      out.setMessage(
          "failed on "
              + failed
              + " of "
              + desired
              + " node(s), first "
              + failures.get(0).getNode()
              + ": "
              + failures.get(0).getMessage());
    } else if (desired > 0 && ready == desired) {
      out.setState(wantPresent ? ImageState.Present : ImageState.Absent);
      out.setMessage((wantPresent ? "present" : "absent") + " on " + ready + " node(s)");
      out.setId(sameId ? id : null);
      out.setDigest(sameDigest ? digest : null);
    } else if (waiting > 0 && ready + waiting == desired) {
      out.setState(ImageState.Waiting);
      out.setMessage(
          ready + "/" + desired + " node(s) converged; " + waiting + " wait for a rollout permit");
    } else {
      out.setState(ImageState.Pending);
      out.setMessage(
          ready
              + "/"
              + desired
              + " node(s) converged"
              + (waiting > 0 ? "; " + waiting + " wait for a rollout permit" : ""));
    }
    return out;
  }
}
