package dev.imagespec.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * TLS settings for a TCP engine, following Docker's conventions: a directory with {@code ca.pem}
 * (trusted CA), {@code cert.pem} and {@code key.pem} (client certificate). Any of the three may be
 * absent: without ca.pem the system trust store is used; without cert/key no client certificate is
 * sent.
 *
 * @param caFile CA certificates (PEM) or null
 * @param certFile client certificate chain (PEM) or null
 * @param keyFile client private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC) or null
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

  /**
   * The first private key of a PEM file, in any form OpenSSL writes: PKCS#8 ({@code BEGIN PRIVATE
   * KEY}: RSA, EC, Ed25519), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC
   * PRIVATE KEY}, an {@code EC PARAMETERS} block before it skipped). Read by BouncyCastle's PEM
   * parser; the keys are built by the JDK's own providers (BouncyCastle is not registered).
   */
  static PrivateKey readPrivateKey(Path file) throws IOException, GeneralSecurityException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser =
        new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new GeneralSecurityException(
              file
                  + ": encrypted private keys are not supported; decrypt with"
                  + " 'openssl pkey -in key.pem -out key.pem'");
        }
      }
    } catch (PEMException e) {
      throw new GeneralSecurityException(file + ": unsupported private key: " + e.getMessage(), e);
    }
    throw new GeneralSecurityException(file + ": no private key");
  }
}
