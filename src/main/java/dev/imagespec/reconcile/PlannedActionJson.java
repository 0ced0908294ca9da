package dev.imagespec.reconcile;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One action of {@code plan -o json}: {@code {"spec": "ns/name", "action": "pull", "image": ...,
 * "reason": ...}}, plus {@code "target"} for tag and push actions. A converged plan is {@code []}.
 */
@JsonPropertyOrder({"spec", "action", "image", "target", "reason"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlannedActionJson(
    String spec, String action, String image, String target, String reason) {}
