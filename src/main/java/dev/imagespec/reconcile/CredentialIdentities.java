package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who a spec is towards a registry: {@link #ANONYMOUS} without credentials, else an opaque hash of
 * the registry and the credentials. Two specs with the same identity read the same images; the
 * identity never shows whose credentials they are and is never logged.
 */
@FunctionalInterface
public interface CredentialIdentities {
  /** The identity of no credentials at all. */
  String ANONYMOUS = "anonymous";

  /**
   * The identity the Secrets {@code secretNames} of {@code namespace} (with the resolver's
   * fallbacks) give towards {@code domain}.
   */
  String of(String namespace, List<String> secretNames, String domain);

  /** Everyone anonymous. */
  static CredentialIdentities anonymous() {
    return (ns, names, domain) -> ANONYMOUS;
  }

  /**
   * Identities from the credentials {@code resolver} finds, resolved once per (namespace, Secrets,
   * domain). A resolver that fails gives an identity no other shares, so nothing is proven for it.
   */
  static CredentialIdentities of(CredentialResolver resolver) {
    Map<List<Object>, String> memo = new ConcurrentHashMap<>();
    return (ns, names, domain) ->
        memo.computeIfAbsent(
            List.of(String.valueOf(ns), names == null ? List.of() : names, String.valueOf(domain)),
            k -> {
              Optional<AuthConfig> auth;
              try {
                auth = resolver.forRegistry(ns, names == null ? List.of() : names, domain);
              } catch (RuntimeException e) {
                return "unresolved " + k.hashCode();
              }
              return auth.map(a -> hash(domain, a)).orElse(ANONYMOUS);
            });
  }

  /** sha256 over the domain and every secret field of {@code auth}: opaque, stable. */
  static String hash(String domain, AuthConfig auth) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String part :
          new String[] {
            domain, auth.username(), auth.password(), auth.identityToken(), auth.registryToken()
          }) {
        md.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
