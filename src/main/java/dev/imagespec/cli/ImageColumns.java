package dev.imagespec.cli;

import dev.imagespec.reconcile.Ids;
import java.time.Duration;
import java.time.Instant;

/** How image tables show IDs and ages. */
final class ImageColumns {
  private ImageColumns() {}

  static String shortId(String id) {
    return id == null ? "" : Ids.shortId(id);
  }

  static String ago(Instant t) {
    if (t == null) {
      return "";
    }
    Duration d = Duration.between(t, Instant.now());
    if (d.toDays() > 0) {
      return d.toDays() + " days ago";
    }
    if (d.toHours() > 0) {
      return d.toHours() + " hours ago";
    }
    if (d.toMinutes() > 0) {
      return d.toMinutes() + " minutes ago";
    }
    return "less than a minute ago";
  }
}
