package dev.imagespec.reconcile;

import java.util.Locale;

/** What a planned action does. Serialised in lowercase ({@code pull}, {@code tag}, ...). */
public enum ActionKind {
  PULL,
  TAG,
  PUSH,
  REMOVE,
  PRUNE;

  /** Lowercase name, as in {@code plan -o json}. */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
