/**
 * The reconcile core: diff ImageSpecs against an engine's image list, plan, execute, report.
 *
 * <p>A pass ({@link dev.imagespec.reconcile.Reconciler#reconcile}):
 *
 * <ol>
 *   <li>one {@code listImages} call, however many specs;
 *   <li>the registry digest lookups the {@link dev.imagespec.reconcile.Planner} asks for ({@code
 *       pullPolicy: Always} images whose {@code refreshInterval} — default 5m — elapsed, push
 *       targets not verified within it); read-only, so they also happen in dry runs;
 *   <li>{@code listContainers} only when a remove or prune needs to know which images are in use;
 *   <li>the pure {@link dev.imagespec.reconcile.Planner#plan plan}: per image pull → tags → pushes,
 *       then removes, then prunes; an image wanted by several specs is pulled once; Present in one
 *       spec and Absent in another is a Conflict on both and nothing is done. One {@link
 *       dev.imagespec.reconcile.Planner.Pass} per pass answers steps 2 to 4, each planner step
 *       computed once;
 *   <li>unless dry run, execution: images in parallel (default 4), transient failures ({@link
 *       dev.imagespec.reconcile.TransientErrors}) retried with exponential backoff (default 3
 *       attempts, 1s then 2s), one failed image never stops the others;
 *   <li>a new status per spec ({@link dev.imagespec.reconcile.StatusBuilder}): images, pushes,
 *       prune, and Ready/Progressing/Degraded conditions.
 * </ol>
 *
 * <p>A converged state makes no mutating call. Credentials come from a {@link
 * dev.imagespec.reconcile.CredentialResolver} and never appear in messages, statuses or {@code
 * toString}.
 */
package dev.imagespec.reconcile;
