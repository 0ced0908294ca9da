package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Map;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client keys in every PEM form OpenSSL writes, read for TLS to an engine. */
class TlsConfigTest {
  @TempDir Path dir;

  // ------------------------------------------------------------------ against the TLS dockerd

  /**
   * Issue 9: {@code BEGIN EC PRIVATE KEY} (SEC1) was rejected. The TLS dockerd's ECDSA P-256 client
   * key, converted from PKCS#8 to SEC1 by {@code openssl ec}, alone and after an {@code EC
   * PARAMETERS} block.
   */
  @Test
  void ecClientKeyInSec1FormOnTheTlsDockerd() throws Exception {
    String host = TestEnv.require("IMAGESPEC_TEST_DOCKER_TLS_HOST");
    Path certs = Path.of(TestEnv.require("IMAGESPEC_TEST_DOCKER_CERT_PATH"));
    assertThat(Files.readString(certs.resolve("key.pem")))
        .startsWith("-----BEGIN PRIVATE KEY-----");

    Path sec1 = copyCertPath(certs, "sec1");
    openssl(List.of("ec", "-in", certs.resolve("key.pem").toString(), "-out", sec1 + "/key.pem"));
    assertThat(Files.readString(sec1.resolve("key.pem")))
        .startsWith("-----BEGIN EC PRIVATE KEY-----");
    assertPings(host, sec1);

    Path withParams = copyCertPath(certs, "sec1-params");
    Path params = dir.resolve("params.pem");
    openssl(
        List.of(
            "ec", "-in", certs.resolve("key.pem").toString(), "-param_out", "-out", "" + params));
    Files.writeString(
        withParams.resolve("key.pem"),
        Files.readString(params) + Files.readString(sec1.resolve("key.pem")));
    assertThat(Files.readString(withParams.resolve("key.pem")))
        .startsWith("-----BEGIN EC PARAMETERS-----");
    assertPings(host, withParams);
  }

  private Path copyCertPath(Path certs, String name) throws IOException {
    Path copy = Files.createDirectories(dir.resolve(name));
    for (String f : List.of("ca.pem", "cert.pem")) {
      Files.copy(certs.resolve(f), copy.resolve(f));
    }
    return copy;
  }

  private static void assertPings(String host, Path certPath) {
    Map<String, String> env =
        Map.of(
            "DOCKER_HOST", host, "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certPath.toString());
    try (EngineClient c = EngineClient.builder().environment(env).build()) {
      assertThat(c.ping()).isTrue();
      assertThat(c.images().list()).isNotNull();
    }
  }

  private static void openssl(List<String> args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("openssl %s: %s", args, out).isZero();
  }

  // ------------------------------------------------------------------ every PEM form

  @Test
  void rsaKeysInPkcs1AndPkcs8() throws Exception {
    KeyPair pair = generate("RSA", null);
    Path pkcs1 = write("rsa1.pem", traditional(pair.getPrivate()));
    assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    Path pkcs8 = write("rsa8.pem", pkcs8(pair.getPrivate()));
    assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN PRIVATE KEY-----");
    for (Path file : List.of(pkcs1, pkcs8)) {
      PrivateKey key = TlsConfig.readPrivateKey(file);
      assertThat(key).isInstanceOf(RSAPrivateCrtKey.class);
      assertThat(((RSAPrivateCrtKey) key).getPrivateExponent())
          .isEqualTo(((RSAPrivateCrtKey) pair.getPrivate()).getPrivateExponent());
    }
  }

  @Test
  void ecKeysInSec1AndPkcs8() throws Exception {
    for (String curve : List.of("secp256r1", "secp384r1")) {
      KeyPair pair = generate("EC", curve);
      Path pkcs8 = write(curve + "-pkcs8.pem", pkcs8(pair.getPrivate()));
      // SEC1 as OpenSSL writes it (the curve inside the key), as docker's own tooling makes it.
      Path sec1 = dir.resolve(curve + "-sec1.pem");
      openssl(List.of("ec", "-in", pkcs8.toString(), "-out", sec1.toString()));
      assertThat(Files.readString(sec1)).startsWith("-----BEGIN EC PRIVATE KEY-----");
      for (Path file : List.of(sec1, pkcs8)) {
        PrivateKey key = TlsConfig.readPrivateKey(file);
        assertThat(key).isInstanceOf(ECPrivateKey.class);
        assertThat(((ECPrivateKey) key).getS())
            .isEqualTo(((ECPrivateKey) pair.getPrivate()).getS());
      }
    }
  }

  @Test
  void ed25519KeyInPkcs8() throws Exception {
    KeyPair pair = generate("Ed25519", null);
    PrivateKey key = TlsConfig.readPrivateKey(write("ed.pem", pkcs8(pair.getPrivate())));
    assertThat(key.getAlgorithm()).isIn("Ed25519", "EdDSA");
  }

  @Test
  void encryptedOrMissingKeysAreExplained() throws Exception {
    Path certs = Path.of(TestEnv.require("IMAGESPEC_TEST_DOCKER_CERT_PATH"));
    String key = certs.resolve("key.pem").toString();
    Path pkcs8 = dir.resolve("enc8.pem");
    openssl(
        List.of(
            "pkcs8",
            "-topk8",
            "-in",
            key,
            "-v2",
            "aes256",
            "-passout",
            "pass:pw",
            "-out",
            "" + pkcs8));
    Path sec1 = dir.resolve("enc1.pem");
    openssl(List.of("ec", "-in", key, "-aes256", "-passout", "pass:pw", "-out", "" + sec1));
    assertThat(Files.readString(sec1)).contains("ENCRYPTED");
    for (Path file : List.of(pkcs8, sec1)) {
      assertThatThrownBy(() -> TlsConfig.readPrivateKey(file))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessageContaining("encrypted private keys are not supported");
    }
    Path empty = write("none.pem", "no key here\n");
    assertThatThrownBy(() -> TlsConfig.readPrivateKey(empty))
        .hasMessageContaining("no private key");
    // Through load(): the usual InvalidArgumentException naming the file.
    TlsConfig tls = new TlsConfig(null, certs.resolve("cert.pem"), sec1, true);
    assertThatThrownBy(tls::load)
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining(sec1.toString())
        .hasMessageContaining("encrypted");
  }

  private static KeyPair generate(String algorithm, String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    if (curve != null) {
      g.initialize(new ECGenParameterSpec(curve));
    } else if (algorithm.equals("RSA")) {
      g.initialize(2048);
    }
    return g.generateKeyPair();
  }

  /** OpenSSL's traditional form (PKCS#1 for an RSA key). */
  private static String traditional(PrivateKey key) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(key);
    }
    return out.toString();
  }

  private static String pkcs8(PrivateKey key) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(new JcaPKCS8Generator(key, null));
    }
    return out.toString();
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }
}
