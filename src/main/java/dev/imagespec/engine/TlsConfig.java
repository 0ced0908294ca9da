package dev.imagespec.engine;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS settings for a TCP engine, following Docker's conventions: a directory with {@code ca.pem}
 * (trusted CA), {@code cert.pem} and {@code key.pem} (client certificate). Any of the three may be
 * absent: without ca.pem the system trust store is used; without cert/key no client certificate is
 * sent.
 *
 * @param caFile CA certificates (PEM) or null
 * @param certFile client certificate chain (PEM) or null
 * @param keyFile client private key (PEM, PKCS#8 or PKCS#1 RSA) or null
 * @param verify verify the server certificate against the CA
 */
public record TlsConfig(Path caFile, Path certFile, Path keyFile, boolean verify) {

  public static TlsConfig systemDefault() {
    return new TlsConfig(null, null, null, true);
  }

  /**
   * TLS from a Docker certificate directory ({@code ca.pem}, {@code cert.pem}, {@code key.pem}).
   */
  public static TlsConfig fromCertPath(Path dir, boolean verify) {
    Path ca = dir.resolve("ca.pem");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    return new TlsConfig(
        Files.exists(ca) ? ca : null,
        Files.exists(cert) ? cert : null,
        Files.exists(key) ? key : null,
        verify);
  }

  /** TLS from {@code DOCKER_TLS_VERIFY} / {@code DOCKER_CERT_PATH}, or null when not asked for. */
  public static TlsConfig fromEnvironment(Map<String, String> env) {
    // As the docker CLI: any non-empty DOCKER_TLS_VERIFY turns TLS with verification on.
    String verify = env.get("DOCKER_TLS_VERIFY");
    String certPath = env.get("DOCKER_CERT_PATH");
    if (verify == null || verify.isEmpty()) {
      return null;
    }
    Path dir =
        certPath != null && !certPath.isEmpty()
            ? Path.of(certPath)
            : Path.of(System.getProperty("user.home"), ".docker");
    return fromCertPath(dir, true);
  }

  /** Builds the SSL context and trust manager for OkHttp. */
  public Material load() {
    try {
      X509TrustManager trust = trustManager();
      KeyManagerFactory kmf = null;
      if (certFile != null && keyFile != null) {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        List<Certificate> chain = readCertificates(certFile);
        ks.setKeyEntry(
            "client", readPrivateKey(keyFile), new char[0], chain.toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[] {trust}, null);
      return new Material(ctx, trust);
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new InvalidArgumentException("cannot load TLS material: " + e.getMessage());
    }
  }

  /** SSL context plus the trust manager OkHttp needs alongside it. */
  public record Material(SSLContext context, X509TrustManager trustManager) {}

  private X509TrustManager trustManager() throws IOException, GeneralSecurityException {
    if (!verify) {
      return new TrustAll();
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    if (caFile == null) {
      tmf.init((KeyStore) null);
    } else {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : readCertificates(caFile)) {
        ks.setCertificateEntry("ca" + i++, c);
      }
      tmf.init(ks);
    }
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509 trust manager available");
  }

  private static List<Certificate> readCertificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new GeneralSecurityException("no certificate in " + file);
      }
      return new ArrayList<>(certs);
    }
  }

  private static PrivateKey readPrivateKey(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
    if (pem.contains("BEGIN EC PRIVATE KEY") || pem.contains("ENCRYPTED")) {
      throw new GeneralSecurityException(
          file
              + ": only unencrypted PKCS#8 or RSA keys are supported; convert with"
              + " 'openssl pkcs8 -topk8 -nocrypt'");
    }
    String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(base64);
    if (pkcs1) {
      der = wrapPkcs1Rsa(der);
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException ignored) {
        // try the next algorithm
      }
    }
    throw new GeneralSecurityException(file + ": unsupported private key");
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo structure. */
  private static byte[] wrapPkcs1Rsa(byte[] pkcs1) {
    byte[] algId = {
      0x30,
      0x0d,
      0x06,
      0x09,
      0x2a,
      (byte) 0x86,
      0x48,
      (byte) 0x86,
      (byte) 0xf7,
      0x0d,
      0x01,
      0x01,
      0x01,
      0x05,
      0x00
    };
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octet = derWrap((byte) 0x04, pkcs1);
    byte[] body = new byte[version.length + algId.length + octet.length];
    System.arraycopy(version, 0, body, 0, version.length);
    System.arraycopy(algId, 0, body, version.length, algId.length);
    System.arraycopy(octet, 0, body, version.length + algId.length, octet.length);
    return derWrap((byte) 0x30, body);
  }

  private static byte[] derWrap(byte tag, byte[] content) {
    byte[] len;
    if (content.length < 128) {
      len = new byte[] {(byte) content.length};
    } else {
      byte[] n = BigInteger.valueOf(content.length).toByteArray();
      int skip = n[0] == 0 ? 1 : 0;
      len = new byte[n.length - skip + 1];
      len[0] = (byte) (0x80 | (n.length - skip));
      System.arraycopy(n, skip, len, 1, n.length - skip);
    }
    byte[] out = new byte[1 + len.length + content.length];
    out[0] = tag;
    System.arraycopy(len, 0, out, 1, len.length);
    System.arraycopy(content, 0, out, 1 + len.length, content.length);
    return out;
  }
}
