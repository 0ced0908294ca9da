package dev.imagespec.reconcile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The actions the planner steps register, each once (a second spec needing the same action is added
 * to its {@code sharedWith}), and their execution order: per image its pull, then its tags, then
 * its pushes; removes after every pull; prunes last.
 */
final class ActionBook {
  private final Map<String, PlannedAction> actions = new HashMap<>();
  private final Map<String, Chain> chains = new LinkedHashMap<>();
  private final List<String> removes = new ArrayList<>();
  private final List<String> prunes = new ArrayList<>();

  /** Registers an action; returns its key. */
  String register(PlannedAction a) {
    actions.merge(a.key(), a, (old, neu) -> old.withSharedSpec(neu.spec()));
    return a.key();
  }

  /** The action of a key (with every spec that shares it), or null for a null key. */
  PlannedAction get(String key) {
    return key == null ? null : actions.get(key);
  }

  /** The pull, tags and pushes of one image (canonical reference), created on first use. */
  Chain chain(String image) {
    return chains.computeIfAbsent(image, k -> new Chain());
  }

  void remove(String key) {
    if (!removes.contains(key)) {
      removes.add(key);
    }
  }

  void prune(String key) {
    prunes.add(key);
  }

  /** Every action, in execution order. */
  List<PlannedAction> ordered() {
    List<PlannedAction> ordered = new ArrayList<>();
    for (Chain chain : chains.values()) {
      chain.order().forEach(k -> ordered.add(actions.get(k)));
    }
    removes.forEach(k -> ordered.add(actions.get(k)));
    prunes.forEach(k -> ordered.add(actions.get(k)));
    return ordered;
  }

  /** The actions of one image, by key. */
  static final class Chain {
    String pull;
    final List<String> tags = new ArrayList<>();
    final List<String> pushes = new ArrayList<>();

    List<String> order() {
      LinkedHashSet<String> all = new LinkedHashSet<>();
      if (pull != null) {
        all.add(pull);
      }
      all.addAll(tags);
      all.addAll(pushes);
      return List.copyOf(all);
    }
  }
}
