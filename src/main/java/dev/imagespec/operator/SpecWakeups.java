package dev.imagespec.operator;

import dev.imagespec.spec.ImageSpec;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.Set;

/**
 * Reconciles an ImageSpec when the aggregator's own background work for it (a registry copy, an
 * access check) has finished, so its status shows the outcome at once.
 */
final class SpecWakeups extends AbstractEventSource<Void, ImageSpec> {
  SpecWakeups() {
    super(Void.class, "spec-wakeups");
  }

  /** Asks for a reconcile of {@code spec}; ignored while the source is not running. */
  void wake(ResourceID spec) {
    if (isRunning() && getEventHandler() != null) {
      getEventHandler().handleEvent(new Event(spec));
    }
  }

  @Override
  public Set<Void> getSecondaryResources(ImageSpec primary) {
    return Set.of();
  }
}
