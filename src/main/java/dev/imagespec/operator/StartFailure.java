package dev.imagespec.operator;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.LeaderElectionManager;
import io.javaoperatorsdk.operator.MissingCRDException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why the operator could not start, as a user can act on it: walks the cause chain (JOSDK wraps
 * everything in {@code OperatorException("Error starting operator")}, Fabric8 wraps HTTP and I/O
 * failures in {@link KubernetesClientException}) for an unreachable API server, a missing CRD, a
 * missing permission (from the 403's Status, or JOSDK's Lease access review) or an unauthenticated
 * client, and says what to do.
 */
public final class StartFailure {
  /** What installs imagespec's CRDs and RBAC. */
  static final String INSTALL = "kubectl apply -k deploy/";

  /** The API server's message on a 403: {@code User "u" cannot list resource "r" in ...}. */
  private static final Pattern FORBIDDEN =
      Pattern.compile(
          "cannot (\\S+) resource \"([^\"]+)\"(?: in API group \"([^\"]*)\")?"
              + "(?: in the namespace \"([^\"]*)\"| at the cluster scope)?");

  /** JOSDK's Lease access review: {@code ... in namespace: NS; missing required verbs: [..]}. */
  private static final Pattern LEASE =
      Pattern.compile("in namespace: (\\S+); missing required verbs: \\[([^\\]]*)\\]");

  private StartFailure() {}

  /**
   * The cause of {@code failure} and what to do, in one or two sentences.
   *
   * @param apiServer the API server's URL (named when it cannot be reached)
   */
  public static String explain(Throwable failure, String apiServer) {
    List<Throwable> chain = chain(failure);
    for (Throwable t : chain) {
      if (t instanceof MissingCRDException m) {
        return missingCrd(m.getCrdName());
      }
    }
    for (Throwable t : chain) {
      if (t instanceof KubernetesClientException k) {
        String explained = explain(k, apiServer, chain);
        if (explained != null) {
          return explained;
        }
      }
    }
    for (Throwable t : chain) {
      String m = t.getMessage();
      if (m != null
          && m.startsWith(LeaderElectionManager.NO_PERMISSION_TO_LEASE_RESOURCE_MESSAGE)) {
        Matcher lease = LEASE.matcher(m);
        return lease.find()
            ? forbidden(
                lease.group(2).replace(" ", ""), "leases", "coordination.k8s.io", lease.group(1))
            : m + ": grant the aggregator get, create and update on leases (" + INSTALL + ")";
      }
    }
    return messages(chain);
  }

  private static String explain(
      KubernetesClientException k, String apiServer, List<Throwable> all) {
    int code = k.getCode();
    if (code == 404 && "imagespec.dev".equals(k.getGroup()) && k.getResourcePlural() != null) {
      return missingCrd(k.getResourcePlural() + "." + k.getGroup());
    }
    if (code == 403) {
      String server = serverMessage(k);
      Matcher m = server == null ? null : FORBIDDEN.matcher(server);
      if (m != null && m.find()) {
        return forbidden(m.group(1), m.group(2), m.group(3), m.group(4))
            + " (the API server said: "
            + server
            + ")";
      }
      return forbidden(
              "access", k.getResourcePlural(), k.getGroup(), k.getNamespace() /* may be null */)
          + (server == null ? "" : " (the API server said: " + server + ")");
    }
    if (code == 401) {
      return "the Kubernetes API server at "
          + apiServer
          + " did not accept this client's credentials (401): check the token or certificate"
          + " in KUBECONFIG / ~/.kube/config, or the pod's service account";
    }
    List<Throwable> io = all.stream().filter(t -> t instanceof IOException).toList();
    if (!io.isEmpty()) {
      Throwable outer = io.get(0);
      Throwable root = io.get(io.size() - 1);
      String why = describe(outer);
      if (root != outer && root.getMessage() != null && !why.contains(root.getMessage())) {
        why += " (" + root.getMessage() + ")";
      }
      return "cannot reach the Kubernetes API server at "
          + apiServer
          + ": "
          + why
          + "; check the server in KUBECONFIG / ~/.kube/config (in a pod: the service"
          + " account and KUBERNETES_SERVICE_HOST) and that the API server is up";
    }
    return null;
  }

  private static String missingCrd(String crd) {
    return "the CustomResourceDefinition "
        + crd
        + " is not installed in the cluster: install imagespec's CRDs with `"
        + INSTALL
        + "` (or `kubectl apply -f crds/`)";
  }

  private static String forbidden(String verb, String resource, String group, String namespace) {
    String what = resource == null ? "the resource" : resource;
    if (group != null && !group.isEmpty()) {
      what += " (API group " + group + ")";
    }
    return "permission missing: this service account may not "
        + verb
        + " "
        + what
        + (namespace == null || namespace.isEmpty()
            ? " cluster-wide"
            : " in namespace " + namespace)
        + ": grant it in the role's ClusterRole/Role (deploy/ has them: `"
        + INSTALL
        + "`)";
  }

  /** The Status message of a failed request, else null. */
  private static String serverMessage(KubernetesClientException k) {
    Status s = k.getStatus();
    if (s != null && s.getMessage() != null && !s.getMessage().isBlank()) {
      return s.getMessage();
    }
    return null;
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    String type = t.getClass().getSimpleName();
    return m == null || m.isBlank() ? type : type + ": " + m;
  }

  /** The distinct messages along the chain, outermost first. */
  private static String messages(List<Throwable> chain) {
    Set<String> parts = new LinkedHashSet<>();
    for (Throwable t : chain) {
      String m = t.getMessage();
      if (m != null && !m.isBlank() && parts.stream().noneMatch(p -> p.contains(m))) {
        parts.add(m);
      }
    }
    return parts.isEmpty() ? describe(chain.get(0)) : String.join(": ", parts);
  }

  /** The exception, its causes and the exceptions aggregated or suppressed along the way. */
  private static List<Throwable> chain(Throwable t) {
    List<Throwable> out = new ArrayList<>();
    Deque<Throwable> todo = new ArrayDeque<>(List.of(t));
    while (!todo.isEmpty() && out.size() < 50) {
      Throwable c = todo.removeFirst();
      if (out.contains(c)) {
        continue;
      }
      out.add(c);
      if (c.getCause() != null) {
        todo.addFirst(c.getCause());
      }
      if (c instanceof AggregatedOperatorException a) {
        todo.addAll(a.getAggregatedExceptions().values());
      }
      todo.addAll(List.of(c.getSuppressed()));
    }
    return out;
  }
}
