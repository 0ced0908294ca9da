package dev.imagespec.operator;

import dev.imagespec.reconcile.ActionRefusedException;
import dev.imagespec.reconcile.Reasons;

/**
 * The disk guard refused a pull: it would fill the image filesystem beyond {@code
 * --disk-high-percent}. Reason {@link Reasons#INSUFFICIENT_DISK}.
 */
final class InsufficientDiskException extends ActionRefusedException {
  InsufficientDiskException(String message) {
    super(Reasons.INSUFFICIENT_DISK, message);
  }
}
