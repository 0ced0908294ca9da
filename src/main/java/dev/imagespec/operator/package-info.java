/**
 * The Kubernetes front end: the same {@link dev.imagespec.reconcile.Reconciler} as {@code imagespec
 * apply}, run by Java Operator SDK controllers.
 *
 * <ul>
 *   <li>{@link dev.imagespec.operator.AgentReconciler}: one per node (DaemonSet); its primary
 *       resource is the node's own {@link dev.imagespec.spec.ImageNode}. Each pass plans every
 *       ImageSpec whose {@code nodeSelector} matches the node's labels against the node's engine
 *       and records what it found in the ImageNode's status.
 *   <li>{@link dev.imagespec.operator.AggregatorReconciler}: one elected instance; its primary
 *       resource is the {@link dev.imagespec.spec.ImageSpec}. It folds the ImageNodes into the
 *       spec's status (node and image counts, conditions naming failing nodes) and holds deleted
 *       {@code deletionPolicy: Remove} specs with a finalizer until every agent removed their
 *       images.
 * </ul>
 *
 * {@link dev.imagespec.operator.OperatorRuntime} wires them to a Kubernetes client, leader
 * election, {@code /metrics}, {@code /healthz}, {@code /readyz} and graceful shutdown.
 */
package dev.imagespec.operator;
