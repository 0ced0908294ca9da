package dev.imagespec.spec;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Secrets a spec names ({@code spec.pullSecrets}, {@code pushes[].credentialsSecret}): the
 * format of their names and, in local mode, that each is among the loaded Secrets.
 */
final class SecretReferences {
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(SchemaPatterns.DNS_SUBDOMAIN);

  private SecretReferences() {}

  /** Checks the format of a Secret name a spec gives at {@code field}. */
  static void checkName(String field, String name, List<Violation> out) {
    if (name == null || name.isEmpty()) {
      out.add(new Violation(field, "must not be empty"));
    } else if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
      out.add(
          new Violation(
              field, "invalid secret name '" + name + "': must be a lowercase RFC 1123 subdomain"));
    }
  }

  /**
   * Checks that every Secret the spec names ({@code spec.pullSecrets}, {@code
   * pushes[].credentialsSecret}) is among {@code secrets}, in the spec's namespace, and is a
   * readable {@code kubernetes.io/dockerconfigjson} Secret. For local mode: the front end passes
   * the Secrets it loaded.
   */
  static List<Violation> validate(ImageSpec spec, Collection<Secret> secrets) {
    List<Violation> out = new ArrayList<>();
    ImageSpecSpec s = spec.getSpec();
    if (s == null) {
      return out;
    }
    String namespace = SpecKey.of(spec).namespace();
    Map<String, Secret> byName = new HashMap<>();
    for (Secret secret : secrets) {
      var meta = secret.getMetadata();
      if (meta == null || meta.getName() == null) {
        continue;
      }
      String ns =
          meta.getNamespace() == null || meta.getNamespace().isEmpty()
              ? SpecKey.DEFAULT_NAMESPACE
              : meta.getNamespace();
      if (ns.equals(namespace)) {
        byName.putIfAbsent(meta.getName(), secret);
      }
    }
    List<String> pull = s.pullSecretsOrEmpty();
    for (int i = 0; i < pull.size(); i++) {
      checkSecret("spec.pullSecrets[" + i + "]", pull.get(i), namespace, byName, out);
    }
    List<ImageEntry> images = s.imagesOrEmpty();
    for (int i = 0; i < images.size(); i++) {
      ImageEntry e = images.get(i);
      if (e == null) {
        continue;
      }
      List<PushTarget> pushes = e.pushesOrEmpty();
      for (int k = 0; k < pushes.size(); k++) {
        PushTarget p = pushes.get(k);
        if (p != null && p.getCredentialsSecret() != null) {
          checkSecret(
              "spec.images[" + i + "].pushes[" + k + "].credentialsSecret",
              p.getCredentialsSecret(),
              namespace,
              byName,
              out);
        }
      }
    }
    return out;
  }

  private static void checkSecret(
      String field,
      String name,
      String namespace,
      Map<String, Secret> byName,
      List<Violation> out) {
    if (name == null || name.isEmpty()) {
      return;
    }
    Secret secret = byName.get(name);
    if (secret == null) {
      out.add(
          new Violation(field, "secret '" + name + "' not found in namespace '" + namespace + "'"));
      return;
    }
    try {
      DockerConfigSecrets.auths(secret);
    } catch (IllegalArgumentException e) {
      out.add(new Violation(field, e.getMessage()));
    }
  }
}
