/**
 * The {@code imagespec.dev/v1alpha1} API: the {@link dev.imagespec.spec.ImageSpec} custom resource
 * (the single source of truth for the CRD), reading manifests strictly ({@link
 * dev.imagespec.spec.ManifestLoader}) and validating them ({@link
 * dev.imagespec.spec.SpecValidator}).
 *
 * <p>Field paths in messages are Kubernetes style with 0-based list indexes ({@code
 * spec.images[2].image}); YAML documents are counted from 1. Durations use Go syntax ({@link
 * dev.imagespec.spec.GoDuration}), schedules are 5-field UNIX cron in UTC ({@link
 * dev.imagespec.spec.CronSchedule}).
 *
 * <p>Depends on {@code dev.imagespec.engine} value types only (image references, credentials).
 */
package dev.imagespec.spec;
