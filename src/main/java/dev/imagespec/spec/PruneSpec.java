package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;
import java.util.Objects;

/**
 * Removal of unused images. imagespec picks the candidates itself (never a blanket engine prune)
 * and never removes an image declared by any spec or used by any container.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"schedule", "dangling", "olderThan", "labels"})
public class PruneSpec {
  /** Five whitespace-separated fields; fully checked with cron-utils by the validator. */
  public static final String SCHEDULE_PATTERN = "^\\S+(\\s+\\S+){4}$";

  @Pattern(SCHEDULE_PATTERN)
  @JsonPropertyDescription(
      "When to prune: 5-field cron expression, UTC (e.g. '0 3 * * *'). Without a schedule the"
          + " spec is pruned only on request (--prune).")
  private String schedule;

  @Default("true")
  @JsonPropertyDescription(
      "true (default): only untagged images; false: every image no spec declares.")
  private Boolean dangling;

  @Pattern(GoDuration.PATTERN)
  @JsonPropertyDescription("Only images created before now minus this Go duration (e.g. 168h).")
  private String olderThan;

  @JsonPropertyDescription(
      "Label filters, all must match: 'key', 'key=value', '!key', 'key!=value'.")
  private List<@Pattern(SchemaPatterns.LABEL_FILTER) String> labels;

  public PruneSpec() {}

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public Boolean getDangling() {
    return dangling;
  }

  public void setDangling(Boolean dangling) {
    this.dangling = dangling;
  }

  public String getOlderThan() {
    return olderThan;
  }

  public void setOlderThan(String olderThan) {
    this.olderThan = olderThan;
  }

  public List<String> getLabels() {
    return labels;
  }

  public void setLabels(List<String> labels) {
    this.labels = labels;
  }

  /** {@link #getDangling()}, or {@code true}. */
  @JsonIgnore
  public boolean danglingOrDefault() {
    return dangling == null || dangling;
  }

  /** {@link #getLabels()}, never null. */
  @JsonIgnore
  public List<String> labelsOrEmpty() {
    return labels == null ? List.of() : labels;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PruneSpec p
        && Objects.equals(schedule, p.schedule)
        && Objects.equals(dangling, p.dangling)
        && Objects.equals(olderThan, p.olderThan)
        && Objects.equals(labels, p.labels);
  }

  @Override
  public int hashCode() {
    return Objects.hash(schedule, dangling, olderThan, labels);
  }

  @Override
  public String toString() {
    return "PruneSpec{schedule="
        + schedule
        + ", dangling="
        + dangling
        + ", olderThan="
        + olderThan
        + ", labels="
        + labels
        + "}";
  }
}
