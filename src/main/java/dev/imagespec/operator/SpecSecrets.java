package dev.imagespec.operator;

import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.PushTarget;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Secrets ImageSpecs name ({@code spec.pullSecrets}, {@code pushes[].credentialsSecret}), read
 * from each spec's namespace on the API server; missing or unreadable ones are skipped with a
 * warning (the reconciler then reports the credentials it lacks).
 */
final class SpecSecrets {
  private static final Logger LOG = LoggerFactory.getLogger(SpecSecrets.class);

  private final KubernetesClient client;

  SpecSecrets(KubernetesClient client) {
    this.client = client;
  }

  /** The Secrets {@code specs} name, each read once. */
  List<Secret> of(List<ImageSpec> specs) {
    Map<String, Secret> out = new LinkedHashMap<>();
    for (ImageSpec s : specs) {
      String ns = SpecKey.of(s).namespace();
      for (String name : names(s)) {
        out.computeIfAbsent(ns + "/" + name, k -> read(ns, name));
      }
    }
    return out.values().stream().filter(Objects::nonNull).toList();
  }

  /** The Secret names {@code spec} refers to. */
  static Set<String> names(ImageSpec spec) {
    Set<String> names = new HashSet<>(spec.getSpec().pullSecretsOrEmpty());
    for (ImageEntry e : spec.getSpec().imagesOrEmpty()) {
      if (e != null) {
        for (PushTarget p : e.pushesOrEmpty()) {
          if (p != null && p.getCredentialsSecret() != null) {
            names.add(p.getCredentialsSecret());
          }
        }
      }
    }
    return names;
  }

  private Secret read(String ns, String name) {
    try {
      Secret secret = client.secrets().inNamespace(ns).withName(name).get();
      if (secret == null) {
        LOG.warn("secret {}/{} not found", ns, name);
      }
      return secret;
    } catch (KubernetesClientException e) {
      LOG.warn("cannot read secret {}/{}: {}", ns, name, e.getMessage());
      return null;
    }
  }
}
