package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RegistryClient}'s protocol handling against an in-process fake registry (plain HTTP on
 * loopback): bearer tokens and their cache, identity and registry tokens, pagination, digest
 * checks, error mapping, and pushes (blob uploads with their {@code Location}, mounts, manifest
 * PUTs, the {@code pull,push} token scope). Runs without any external registry.
 */
class RegistryClientProtocolTest {
  private static final String USER = "alice";
  private static final String PASSWORD = "pa55-W0rd-secret";
  private static final String REFRESH = "refresh-token-secret";
  private static final String REGISTRY_TOKEN = "static-registry-token-secret";

  private HttpServer server;
  private String registry;
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
  private final Set<String> pushTokens = ConcurrentHashMap.newKeySet();
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>(); // "repo@digest"
  private final Map<String, String> uploads = new ConcurrentHashMap<>(); // id -> repo
  private final List<String> puts = new CopyOnWriteArrayList<>(); // path?query of blob PUTs
  private volatile String location = "relative"; // or "absolute", "elsewhere"
  private volatile boolean rejectNextBlobPut = false;
  private HttpServer elsewhere; // another host for "elsewhere" upload locations
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final List<String> tokenQueries = new CopyOnWriteArrayList<>();
  private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
  private volatile String challenge = "bearer";
  private volatile boolean anonymousTokens = false;
  private volatile String digestHeader; // null: correct digest, "": none, else this value
  private volatile String tokenRealm;

  private final RegistryClient client =
      RegistryClient.builder()
          .connectTimeout(Duration.ofSeconds(2))
          .readTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
    registry = "127.0.0.1:" + server.getAddress().getPort();
    tokenRealm = "http://" + registry + "/token";
    manifests.put(
        "team/app:1",
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + RegistryClient.OCI_INDEX
                + "\",\"manifests\":[{\"mediaType\":\""
                + RegistryClient.OCI_MANIFEST
                + "\",\"digest\":\"sha256:"
                + "a".repeat(64)
                + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"}}]}")
            .getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() {
    server.stop(0);
    if (elsewhere != null) {
      elsewhere.stop(0);
    }
  }

  private ImageReference ref(String s) {
    return ImageReference.parse(registry + "/" + s);
  }

  // --- the fake registry -------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      String authz = ex.getRequestHeaders().getFirst("Authorization");
      log.add(ex.getRequestMethod() + " " + path + (authz == null ? "" : " +auth"));
      if (path.equals("/token")) {
        token(ex, query, authz);
        return;
      }
      if (path.equals("/v2/")) {
        send(ex, 200, "{}", null);
        return;
      }
      boolean push = ex.getRequestMethod().equals("POST") || ex.getRequestMethod().equals("PUT");
      if (rejectNextBlobPut
          && ex.getRequestMethod().equals("PUT")
          && path.contains("/blobs/uploads/")) {
        // as when a token expired mid-push: refuse once, after the body arrived
        rejectNextBlobPut = false;
        ex.getRequestBody().readAllBytes();
        authz = null;
      }
      if (!authorized(authz, push)) {
        String header =
            challenge.equals("basic")
                ? "Basic realm=\"fake\""
                : "Bearer realm=\""
                    + tokenRealm
                    + "\",service=\"fake-registry\",scope=\"repository:"
                    + path.split("/")[2]
                    + "/"
                    + path.split("/")[3]
                    + (push ? ":pull,push\"" : ":pull\"");
        ex.getResponseHeaders().add("WWW-Authenticate", header);
        send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"no\"}]}", null);
        return;
      }
      if (path.startsWith("/v2/team/broken/")) {
        send(ex, 500, "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"disk on fire\"}]}", null);
        return;
      }
      if (path.equals("/v2/team/app/tags/list")) {
        Map<String, String> q = parse(query);
        String last = q.getOrDefault("last", "");
        switch (last) {
          case "" -> {
            ex.getResponseHeaders()
                .add("Link", "</v2/team/app/tags/list?last=b&n=2>; rel=\"next\"");
            send(ex, 200, "{\"name\":\"team/app\",\"tags\":[\"a\",\"b\"]}", null);
          }
          case "b" -> {
            ex.getResponseHeaders()
                .add(
                    "Link",
                    "<http://elsewhere.invalid/v2/team/app/tags/list?last=d&n=2>; rel=\"next\"");
            send(ex, 200, "{\"name\":\"team/app\",\"tags\":[\"c\",\"d\"]}", null);
          }
          default -> send(ex, 200, "{\"name\":\"team/app\",\"tags\":[\"e\"]}", null);
        }
        return;
      }
      if (path.contains("/blobs/")) {
        blobs(ex, path, query);
        return;
      }
      String[] parts = path.split("/manifests/");
      if (parts.length == 2 && ex.getRequestMethod().equals("PUT")) {
        String repo = parts[0].substring("/v2/".length());
        byte[] body = ex.getRequestBody().readAllBytes();
        String digest = RegistryResponses.sha256(body);
        manifests.put(repo + ":" + parts[1], body);
        manifests.put(repo + ":" + digest, body);
        log.add("manifest type " + ex.getRequestHeaders().getFirst("Content-Type"));
        ex.getResponseHeaders().add("Docker-Content-Digest", digest);
        send(ex, 201, "", null);
        return;
      }
      if (parts.length == 2) {
        String repo = parts[0].substring("/v2/".length());
        byte[] body = manifests.get(repo + ":" + parts[1]);
        if (body == null) {
          send(
              ex,
              404,
              "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}",
              null);
          return;
        }
        String digest = digestHeader == null ? RegistryResponses.sha256(body) : digestHeader;
        if (!digest.isEmpty()) {
          ex.getResponseHeaders().add("Docker-Content-Digest", digest);
        }
        ex.getResponseHeaders().add("Content-Type", RegistryClient.OCI_INDEX);
        if (ex.getRequestMethod().equals("HEAD")) {
          ex.sendResponseHeaders(200, -1);
        } else {
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
        }
        return;
      }
      send(ex, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"no\"}]}", null);
    }
  }

  private boolean authorized(String authz, boolean push) {
    if (authz == null) {
      return false;
    }
    if (challenge.equals("basic")) {
      return authz.equals(basic(USER, PASSWORD));
    }
    return authz.startsWith("Bearer ")
        && (push ? pushTokens : validTokens).contains(authz.substring(7));
  }

  /** Blob HEADs, upload starts (and mounts), and monolithic upload PUTs. */
  private void blobs(HttpExchange ex, String path, String query) throws IOException {
    String method = ex.getRequestMethod();
    Map<String, String> q = parse(query);
    if (method.equals("HEAD")) {
      String[] p = path.substring("/v2/".length()).split("/blobs/");
      ex.getResponseHeaders().add("Docker-Content-Digest", p[1]);
      send(ex, blobs.containsKey(p[0] + "@" + p[1]) ? 200 : 404, "", null);
      return;
    }
    if (method.equals("POST") && path.endsWith("/blobs/uploads/")) {
      String repo = path.substring("/v2/".length(), path.length() - "/blobs/uploads/".length());
      String mount = q.get("mount");
      if (mount != null && blobs.containsKey(q.get("from") + "@" + mount)) {
        blobs.put(repo + "@" + mount, blobs.get(q.get("from") + "@" + mount));
        ex.getResponseHeaders().add("Docker-Content-Digest", mount);
        send(ex, 201, "", null);
        return;
      }
      String id = java.util.UUID.randomUUID().toString();
      uploads.put(id, repo);
      String relative = "/v2/" + repo + "/blobs/uploads/" + id + "?_state=c3RhdGU%3D&n=1";
      ex.getResponseHeaders()
          .add(
              "Location",
              switch (location) {
                case "absolute" -> "http://" + registry + relative;
                case "elsewhere" ->
                    "http://localhost:" + elsewhere.getAddress().getPort() + relative;
                default -> relative;
              });
      send(ex, 202, "", null);
      return;
    }
    if (method.equals("PUT") && path.contains("/blobs/uploads/")) {
      puts.add(path + "?" + query);
      byte[] body = ex.getRequestBody().readAllBytes();
      String repo = uploads.get(path.substring(path.lastIndexOf('/') + 1));
      String digest = q.get("digest");
      if (repo == null || !"c3RhdGU=".equals(q.get("_state"))) {
        send(ex, 404, "{\"errors\":[{\"code\":\"BLOB_UPLOAD_UNKNOWN\"}]}", null);
      } else if (!RegistryResponses.sha256(body).equals(digest)) {
        send(
            ex,
            400,
            "{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"provided digest did"
                + " not match uploaded content\"}]}",
            null);
      } else {
        blobs.put(repo + "@" + digest, body);
        ex.getResponseHeaders().add("Docker-Content-Digest", digest);
        send(ex, 201, "", null);
      }
      return;
    }
    send(ex, 405, "{\"errors\":[{\"code\":\"UNSUPPORTED\"}]}", null);
  }

  private void token(HttpExchange ex, String query, String authz) throws IOException {
    tokenRequests.incrementAndGet();
    tokenQueries.add(
        ex.getRequestMethod()
            + " "
            + URLDecoder.decode(String.valueOf(query), StandardCharsets.UTF_8));
    if (ex.getRequestMethod().equals("POST")) {
      Map<String, String> form =
          parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      if ("refresh_token".equals(form.get("grant_type"))
          && REFRESH.equals(form.get("refresh_token"))
          && "fake-registry".equals(form.get("service"))
          && form.getOrDefault("scope", "").contains("repository:team/app:pull")) {
        String t = "oauth-" + tokenRequests.get();
        validTokens.add(t);
        send(ex, 200, "{\"access_token\":\"" + t + "\",\"expires_in\":300}", null);
      } else {
        send(ex, 401, "{}", null);
      }
      return;
    }
    if (authz == null) {
      if (anonymousTokens) {
        String t = "anon-" + tokenRequests.get();
        validTokens.add(t);
        send(ex, 200, "{\"token\":\"" + t + "\"}", null);
      } else {
        // a token without access, as Docker Hub gives for private repositories
        send(ex, 200, "{\"token\":\"useless\"}", null);
      }
      return;
    }
    if (!authz.equals(basic(USER, PASSWORD))) {
      send(ex, 401, "{\"details\":\"incorrect username or password\"}", null);
      return;
    }
    String t = "tok-" + tokenRequests.get();
    validTokens.add(t);
    if (URLDecoder.decode(String.valueOf(query), StandardCharsets.UTF_8).contains(":pull,push")) {
      pushTokens.add(t);
    }
    send(
        ex,
        200,
        "{\"token\":\"" + t + "\",\"expires_in\":300,\"issued_at\":\"2020-01-01T00:00:00Z\"}",
        null);
  }

  private static Map<String, String> parse(String query) {
    Map<String, String> out = new HashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String kv : query.split("&")) {
      int eq = kv.indexOf('=');
      out.put(
          URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static void send(HttpExchange ex, int status, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", type == null ? "application/json" : type);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  // --- tests ---------------------------------------------------------------------------------

  @Test
  void bearerTokenIsFetchedWithCredentialsAndCached() {
    AuthConfig auth = AuthConfig.basic(USER, PASSWORD);
    RegistryData data = client.inspect(ref("team/app:1"), auth);
    assertThat(data.platforms()).containsExactly(new RegistryData.Platform("linux", "s390x", null));
    assertThat(data.mediaType()).isEqualTo(RegistryClient.OCI_INDEX);
    assertThat(client.digest(ref("team/app:1"), auth)).contains(data.digest());
    assertThat(client.digest(ref("team/app:2"), auth)).isEmpty();
    assertThat(client.listTags(ref("team/app"), auth)).containsExactly("a", "b", "c", "d", "e");
    assertThat(tokenRequests).hasValue(1);
    assertThat(tokenQueries.get(0))
        .contains("service=fake-registry")
        .contains("scope=repository:team/app:pull")
        .contains("account=" + USER);
    // one 401 for the first request only; the token is sent up front afterwards
    assertThat(
            log.stream().filter(l -> l.startsWith("GET /v2/team") || l.startsWith("HEAD /v2/team")))
        .containsExactly(
            "GET /v2/team/app/manifests/1",
            "GET /v2/team/app/manifests/1 +auth",
            "HEAD /v2/team/app/manifests/1 +auth",
            "HEAD /v2/team/app/manifests/2 +auth",
            "GET /v2/team/app/tags/list +auth",
            "GET /v2/team/app/tags/list +auth",
            "GET /v2/team/app/tags/list +auth");
  }

  @Test
  void tokensAreNotSharedBetweenCredentials() {
    anonymousTokens = true;
    client.digest(ref("team/app:1"), AuthConfig.basic(USER, PASSWORD));
    client.digest(ref("team/app:1"), null);
    client.digest(ref("team/app:1"), null);
    assertThat(tokenRequests).hasValue(2);
  }

  @Test
  void wrongPasswordAtTokenServiceIs401WithoutSecrets() {
    String wrong = "not-the-" + PASSWORD;
    assertThatThrownBy(() -> client.inspect(ref("team/app:1"), AuthConfig.basic(USER, wrong)))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
        .hasMessage("registry " + registry + " refused credentials for team/app")
        .hasMessageNotContaining(wrong);
  }

  @Test
  void anonymousTokenWithoutAccessIs401() {
    assertThatThrownBy(() -> client.digest(ref("team/app:1"), null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
        .hasMessageContaining("requires authentication for team/app");
  }

  @Test
  void anonymousTokenForPublicRepository() {
    anonymousTokens = true;
    assertThat(client.digest(ref("team/app:1"), null)).isPresent();
    assertThat(tokenQueries.get(0)).doesNotContain("account=");
  }

  @Test
  void identityTokenIsUsedAsRefreshToken() {
    AuthConfig auth = new AuthConfig(null, null, null, registry, REFRESH, null);
    assertThat(client.digest(ref("team/app:1"), auth)).isPresent();
    assertThat(tokenQueries).containsExactly("POST null");
  }

  @Test
  void registryTokenIsSentAsBearer() {
    validTokens.add(REGISTRY_TOKEN);
    AuthConfig auth = new AuthConfig(null, null, null, registry, null, REGISTRY_TOKEN);
    assertThat(client.digest(ref("team/app:1"), auth)).isPresent();
    assertThat(tokenRequests).hasValue(0);
  }

  @Test
  void basicChallengeIsAnsweredAndThenSentUpFront() {
    challenge = "basic";
    AuthConfig auth = AuthConfig.basic(USER, PASSWORD);
    assertThat(client.digest(ref("team/app:1"), auth)).isPresent();
    assertThat(client.digest(ref("team/app:1"), auth)).isPresent();
    assertThat(log.stream().filter(l -> l.startsWith("HEAD")))
        .containsExactly(
            "HEAD /v2/team/app/manifests/1",
            "HEAD /v2/team/app/manifests/1 +auth",
            "HEAD /v2/team/app/manifests/1 +auth");
    assertThatThrownBy(() -> client.digest(ref("team/app:1"), null))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("no credentials given");
  }

  @Test
  void credentialsAreNotSentToPlainHttpTokenServiceOnPublicHost() {
    tokenRealm = "http://auth.example.invalid/token";
    assertThatThrownBy(() -> client.digest(ref("team/app:1"), AuthConfig.basic(USER, PASSWORD)))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("refusing to send credentials to plain-HTTP token service");
    assertThat(tokenRequests).hasValue(0);
  }

  @Test
  void digestWithoutHeaderIsComputedFromBody() {
    anonymousTokens = true;
    digestHeader = "";
    byte[] body = manifests.get("team/app:1");
    assertThat(client.digest(ref("team/app:1"), null)).contains(RegistryResponses.sha256(body));
    assertThat(client.inspect(ref("team/app:1"), null).digest())
        .isEqualTo(RegistryResponses.sha256(body));
  }

  @Test
  void digestHeaderNotMatchingBodyIsRejected() {
    anonymousTokens = true;
    digestHeader = "sha256:" + "0".repeat(64);
    assertThatThrownBy(() -> client.inspect(ref("team/app:1"), null))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("not matching");
  }

  @Test
  void serverErrorIsApiExceptionWithStatus() {
    anonymousTokens = true;
    manifests.put("team/broken:1", new byte[0]);
    assertThatThrownBy(() -> client.inspect(ref("team/broken:1"), null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(500))
        .hasMessageContaining("disk on fire");
  }

  @Test
  void plainHttpIsRememberedAfterOneProbe() {
    anonymousTokens = true;
    client.digest(ref("team/app:1"), null);
    client.digest(ref("team/app:1"), null);
    client.listTags(ref("team/app"), null);
    assertThat(log.stream().filter(l -> l.equals("GET /v2/"))).hasSize(1);
    assertThat(log.get(0)).isEqualTo("GET /v2/");
  }

  @Test
  void loopbackRegistryWithSelfSignedTls(@TempDir Path tmp) throws Exception {
    Path keystore = tmp.resolve("ks.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit",
                "-alias",
                "registry",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=registry.test",
                "-validity",
                "2")
            .redirectErrorStream(true)
            .start();
    keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
    assertThat(keytool.waitFor()).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    HttpsServer tls =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    tls.setHttpsConfigurator(new HttpsConfigurator(ctx));
    tls.createContext("/", this::handle);
    tls.start();
    try {
      anonymousTokens = true;
      String host = "127.0.0.1:" + tls.getAddress().getPort();
      tokenRealm = "https://" + host + "/token";
      ImageReference ref = ImageReference.parse(host + "/team/app:1");
      long start = System.nanoTime();
      assertThat(client.digest(ref, null)).isPresent();
      assertThat(client.inspect(ref, null).platforms()).hasSize(1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    } finally {
      tls.stop(0);
    }
  }

  @Test
  void challengesParse() {
    List<RegistryAuthenticator.Challenge> c =
        RegistryAuthenticator.parseChallenges(
            List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    + "scope=\"repository:library/busybox:pull,push\"",
                "Basic realm=\"a \\\"quoted\\\" realm\", charset=UTF-8"));
    assertThat(c).hasSize(2);
    assertThat(c.get(0).scheme()).isEqualTo("bearer");
    assertThat(c.get(0).params())
        .containsEntry("realm", "https://auth.docker.io/token")
        .containsEntry("service", "registry.docker.io")
        .containsEntry("scope", "repository:library/busybox:pull,push");
    assertThat(c.get(1).scheme()).isEqualTo("basic");
    assertThat(c.get(1).params())
        .containsEntry("realm", "a \"quoted\" realm")
        .containsEntry("charset", "UTF-8");
    List<RegistryAuthenticator.Challenge> two =
        RegistryAuthenticator.parseChallenges(List.of("Basic realm=\"x\", Bearer realm=\"y\""));
    assertThat(two)
        .extracting(RegistryAuthenticator.Challenge::scheme)
        .containsExactly("basic", "bearer");
  }

  @Test
  void insecureRegistries() {
    RegistryClient c =
        RegistryClient.builder()
            .insecureRegistries(List.of("reg.lan", "https://other.lan:5000/"))
            .build();
    assertThat(c.isInsecure("127.0.0.1:5000")).isTrue();
    assertThat(c.isInsecure("127.10.20.30")).isTrue();
    assertThat(c.isInsecure("localhost:5000")).isTrue();
    assertThat(c.isInsecure("[::1]:5000")).isTrue();
    assertThat(c.isInsecure("reg.lan:5000")).isTrue();
    assertThat(c.isInsecure("reg.lan")).isTrue();
    assertThat(c.isInsecure("other.lan:5000")).isTrue();
    assertThat(c.isInsecure("other.lan:5001")).isFalse();
    assertThat(c.isInsecure("other.lan")).isFalse();
    assertThat(c.isInsecure("128.0.0.1:5000")).isFalse();
    assertThat(c.isInsecure("127.0.0.1.example.com")).isFalse();
    assertThat(c.isInsecure("ghcr.io")).isFalse();
    assertThat(c.isInsecure("docker.io")).isFalse();
  }

  @Test
  void unreachableTokenService() {
    tokenRealm = "http://127.0.0.1:1/token";
    assertThatThrownBy(() -> client.digest(ref("team/app:1"), AuthConfig.basic(USER, PASSWORD)))
        .isInstanceOf(EngineUnavailableException.class)
        .hasMessageContaining("token service 127.0.0.1:1")
        .hasMessageNotContaining(PASSWORD);
  }

  // --- pushes --------------------------------------------------------------------------------

  private static final byte[] BLOB = "some blob bytes".getBytes(StandardCharsets.UTF_8);
  private static final String BLOB_DIGEST = RegistryResponses.sha256(BLOB);
  private static final byte[] MANIFEST =
      ("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_MANIFEST + "\"}")
          .getBytes(StandardCharsets.UTF_8);

  private static RegistryClient.BlobSource counted(byte[] bytes, AtomicInteger opens) {
    return () -> {
      if (opens != null) {
        opens.incrementAndGet();
      }
      return new ByteArrayInputStream(bytes);
    };
  }

  /** The push requests the fake registry saw, upload ids replaced by {@code ID}. */
  private List<String> pushLog() {
    return log.stream()
        .filter(l -> l.matches("(HEAD|POST|PUT) /v2/team/.*"))
        .map(l -> l.replaceAll("/uploads/[0-9a-f-]{36}", "/uploads/ID"))
        .toList();
  }

  @Test
  void pushAsksForPullPushScopeOnceAndSkipsBlobsTheRegistryHas() {
    AuthConfig auth = AuthConfig.basic(USER, PASSWORD);
    AtomicInteger opens = new AtomicInteger();
    assertThat(client.blobExists(ref("team/app"), BLOB_DIGEST, auth)).isFalse();
    client.uploadBlob(ref("team/app"), BLOB_DIGEST, BLOB.length, counted(BLOB, opens), auth);
    String digest =
        client.putManifest(ref("team/app:v1"), RegistryClient.OCI_MANIFEST, MANIFEST, auth);
    client.uploadBlob(ref("team/app"), BLOB_DIGEST, BLOB.length, counted(BLOB, opens), auth);

    assertThat(digest).isEqualTo(RegistryResponses.sha256(MANIFEST));
    assertThat(blobs.get("team/app@" + BLOB_DIGEST)).isEqualTo(BLOB);
    assertThat(manifests.get("team/app:v1")).isEqualTo(MANIFEST);
    assertThat(client.blobExists(ref("team/app:v1"), BLOB_DIGEST, auth)).isTrue();
    assertThat(opens).hasValue(1);
    assertThat(tokenRequests).hasValue(1);
    assertThat(tokenQueries.get(0))
        .contains("scope=repository:team/app:pull,push")
        .contains("account=" + USER);
    assertThat(log).contains("manifest type " + RegistryClient.OCI_MANIFEST);
    assertThat(pushLog())
        .containsExactly(
            "HEAD /v2/team/app/blobs/" + BLOB_DIGEST,
            "HEAD /v2/team/app/blobs/" + BLOB_DIGEST + " +auth",
            "HEAD /v2/team/app/blobs/" + BLOB_DIGEST + " +auth",
            "POST /v2/team/app/blobs/uploads/ +auth",
            "PUT /v2/team/app/blobs/uploads/ID +auth",
            "PUT /v2/team/app/manifests/v1 +auth",
            "HEAD /v2/team/app/blobs/" + BLOB_DIGEST + " +auth",
            "HEAD /v2/team/app/blobs/" + BLOB_DIGEST + " +auth");
  }

  @Test
  void pullTokenIsNotUsedForPushes() {
    AuthConfig auth = AuthConfig.basic(USER, PASSWORD);
    assertThat(client.digest(ref("team/app:1"), auth)).isPresent();
    client.uploadBlob(ref("team/app"), BLOB_DIGEST, BLOB.length, counted(BLOB, null), auth);
    assertThat(tokenQueries).hasSize(2);
    assertThat(tokenQueries.get(0)).contains("scope=repository:team/app:pull&");
    assertThat(tokenQueries.get(1)).contains("scope=repository:team/app:pull,push");
  }

  @Test
  void relativeLocationKeepsItsQueryAndGetsTheDigestAppended() {
    client.uploadBlob(
        ref("team/app"),
        BLOB_DIGEST,
        BLOB.length,
        counted(BLOB, new AtomicInteger()),
        AuthConfig.basic(USER, PASSWORD));
    assertThat(puts).hasSize(1);
    assertThat(puts.get(0))
        .matches("/v2/team/app/blobs/uploads/[0-9a-f-]{36}\\?_state=c3RhdGU%3D&n=1&digest=.*");
    assertThat(parse(puts.get(0).substring(puts.get(0).indexOf('?') + 1)))
        .containsEntry("digest", BLOB_DIGEST);
  }

  @Test
  void absoluteLocationOnTheRegistryIsAuthenticated() {
    location = "absolute";
    client.uploadBlob(
        ref("team/app"),
        BLOB_DIGEST,
        BLOB.length,
        counted(BLOB, new AtomicInteger()),
        AuthConfig.basic(USER, PASSWORD));
    assertThat(pushLog()).contains("PUT /v2/team/app/blobs/uploads/ID +auth");
    assertThat(blobs).containsKey("team/app@" + BLOB_DIGEST);
  }

  @Test
  void locationOnAnotherHostGetsNoCredentials() throws IOException {
    List<String> seen = new CopyOnWriteArrayList<>();
    elsewhere = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    elsewhere.createContext(
        "/",
        ex -> {
          try (ex) {
            String authz = ex.getRequestHeaders().getFirst("Authorization");
            seen.add(ex.getRequestMethod() + (authz == null ? "" : " +auth"));
            blobs(ex, ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery());
          }
        });
    elsewhere.start();
    location = "elsewhere";
    client.uploadBlob(
        ref("team/app"),
        BLOB_DIGEST,
        BLOB.length,
        counted(BLOB, new AtomicInteger()),
        AuthConfig.basic(USER, PASSWORD));
    assertThat(seen).containsExactly("PUT");
    assertThat(blobs).containsKey("team/app@" + BLOB_DIGEST);
  }

  @Test
  void mountAsksForBothScopesAndSendsNoBytes() {
    AuthConfig auth = AuthConfig.basic(USER, PASSWORD);
    blobs.put("team/base@" + BLOB_DIGEST, BLOB);
    AtomicInteger opens = new AtomicInteger();
    client.mountBlob(
        ref("team/app"), ref("team/base:1"), BLOB_DIGEST, BLOB.length, counted(BLOB, opens), auth);
    assertThat(blobs).containsKey("team/app@" + BLOB_DIGEST);
    assertThat(opens).hasValue(0);
    assertThat(puts).isEmpty();
    assertThat(tokenQueries.get(0))
        .contains("&scope=repository:team/app:pull,push&scope=repository:team/base:pull&");
    assertThat(pushLog())
        .contains(
            "POST /v2/team/app/blobs/uploads/ +auth",
            "HEAD /v2/team/app/blobs/" + BLOB_DIGEST + " +auth");
    assertThat(log.stream().filter(l -> l.startsWith("POST /v2/"))).hasSize(1);
  }

  @Test
  void mountFallsBackToUploadWhenTheSourceLacksTheBlob() {
    AtomicInteger opens = new AtomicInteger();
    client.mountBlob(
        ref("team/app"),
        ref("team/base:1"),
        BLOB_DIGEST,
        BLOB.length,
        counted(BLOB, opens),
        AuthConfig.basic(USER, PASSWORD));
    assertThat(opens).hasValue(1);
    assertThat(blobs).containsKey("team/app@" + BLOB_DIGEST);
    // another registry: a plain upload, no mount asked
    log.clear();
    client.mountBlob(
        ref("team/other"),
        ImageReference.parse("quay.io/team/app:1"),
        BLOB_DIGEST,
        BLOB.length,
        counted(BLOB, opens),
        AuthConfig.basic(USER, PASSWORD));
    assertThat(opens).hasValue(2);
    assertThat(pushLog()).contains("POST /v2/team/other/blobs/uploads/ +auth");
  }

  @Test
  void bodyIsSentAgainWhenTheRegistryAsksForAFreshToken() {
    rejectNextBlobPut = true;
    AtomicInteger opens = new AtomicInteger();
    client.uploadBlob(
        ref("team/app"),
        BLOB_DIGEST,
        BLOB.length,
        counted(BLOB, opens),
        AuthConfig.basic(USER, PASSWORD));
    assertThat(opens).hasValue(2);
    assertThat(tokenRequests).hasValue(2);
    assertThat(blobs.get("team/app@" + BLOB_DIGEST)).isEqualTo(BLOB);
  }

  @Test
  void wrongDigestIsRejectedNamingWhatTheBytesHashTo() {
    String other = RegistryResponses.sha256("other".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(
            () ->
                client.uploadBlob(
                    ref("team/app"),
                    other,
                    BLOB.length,
                    counted(BLOB, new AtomicInteger()),
                    AuthConfig.basic(USER, PASSWORD)))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400))
        .hasMessage(
            "upload of blob "
                + other
                + " (15 bytes) to "
                + registry
                + "/team/app failed: registry "
                + registry
                + " answered HTTP 400 DIGEST_INVALID provided digest did not match uploaded"
                + " content; the source's bytes hash to "
                + BLOB_DIGEST
                + ", not to "
                + other
                + ": upload the blob under its true digest");
    assertThat(blobs).isEmpty();
  }

  @Test
  void sourceNotHoldingTheSizeOrFailingIsNotAnUnreachableRegistry() {
    AuthConfig auth = AuthConfig.basic(USER, PASSWORD);
    ImageReference repo = ref("team/app");
    assertThatThrownBy(
            () -> client.uploadBlob(repo, BLOB_DIGEST, BLOB.length + 5, counted(BLOB, null), auth))
        .isInstanceOf(EngineException.class)
        .isNotInstanceOf(EngineUnavailableException.class)
        .hasMessageContaining("upload of blob " + BLOB_DIGEST + " (20 bytes) to " + registry)
        .hasMessageEndingWith("its source ended after 15 bytes: give the blob's true size");
    assertThatThrownBy(
            () -> client.uploadBlob(repo, BLOB_DIGEST, BLOB.length - 1, counted(BLOB, null), auth))
        .isInstanceOf(EngineException.class)
        .isNotInstanceOf(EngineUnavailableException.class)
        .hasMessageEndingWith("its source holds more bytes: give the blob's true size");
    assertThatThrownBy(
            () ->
                client.uploadBlob(
                    repo,
                    BLOB_DIGEST,
                    BLOB.length,
                    () -> {
                      throw new IOException("content store is gone");
                    },
                    auth))
        .isInstanceOf(EngineException.class)
        .isNotInstanceOf(EngineUnavailableException.class)
        .hasMessageEndingWith("cannot open the source: content store is gone");
    assertThat(blobs).isEmpty();
  }

  @Test
  void pushWithWrongPasswordNamesRegistryAndRepositoryNotThePassword() {
    String wrong = "not-the-" + PASSWORD;
    assertThatThrownBy(
            () ->
                client.uploadBlob(
                    ref("team/app"),
                    BLOB_DIGEST,
                    BLOB.length,
                    counted(BLOB, null),
                    AuthConfig.basic(USER, wrong)))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
        .hasMessage(
            "push to "
                + registry
                + "/team/app denied (token service "
                + registry
                + " answered HTTP 401): check the credentials for "
                + registry)
        .hasMessageNotContaining(wrong);
  }

  @Test
  void anonymousTokenCannotPush() {
    anonymousTokens = true;
    assertThatThrownBy(
            () ->
                client.putManifest(ref("team/app:v1"), RegistryClient.OCI_MANIFEST, MANIFEST, null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
        .hasMessage(
            "push to "
                + registry
                + "/team/app denied (HTTP 401 UNAUTHORIZED no): registry "
                + registry
                + " requires credentials and none were given");
    assertThat(tokenQueries).allSatisfy(q -> assertThat(q).contains(":pull,push"));
    assertThat(manifests).doesNotContainKey("team/app:v1");
  }

  @Test
  void basicAuthPush() {
    challenge = "basic";
    AuthConfig auth = AuthConfig.basic(USER, PASSWORD);
    client.uploadBlob(ref("team/app"), BLOB_DIGEST, BLOB.length, counted(BLOB, null), auth);
    assertThat(
            client.putManifest(ref("team/app:v2"), RegistryClient.DOCKER_MANIFEST, MANIFEST, auth))
        .isEqualTo(RegistryResponses.sha256(MANIFEST));
    assertThat(log).contains("manifest type " + RegistryClient.DOCKER_MANIFEST);
    String wrong = "wrong-" + PASSWORD;
    assertThatThrownBy(
            () ->
                client.putManifest(
                    ref("team/app:v2"),
                    RegistryClient.DOCKER_MANIFEST,
                    MANIFEST,
                    AuthConfig.basic(USER, wrong)))
        .isInstanceOf(ApiException.class)
        .hasMessage(
            "push to "
                + registry
                + "/team/app denied (HTTP 401 UNAUTHORIZED no): check the credentials for "
                + registry)
        .hasMessageNotContaining(wrong);
  }

  @Test
  void manifestByDigestIsCheckedBeforeSending() {
    AuthConfig auth = AuthConfig.basic(USER, PASSWORD);
    String digest = RegistryResponses.sha256(MANIFEST);
    assertThat(
            client.putManifest(
                ref("team/app@" + digest), RegistryClient.OCI_MANIFEST, MANIFEST, auth))
        .isEqualTo(digest);
    assertThat(pushLog()).contains("PUT /v2/team/app/manifests/" + digest + " +auth");
    log.clear();
    assertThatThrownBy(
            () ->
                client.putManifest(
                    ref("team/app@" + BLOB_DIGEST), RegistryClient.OCI_MANIFEST, MANIFEST, auth))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("hashes to " + digest);
    assertThatThrownBy(() -> client.blobExists(ref("team/app"), "sha256:ABC", auth))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("invalid blob digest 'sha256:ABC'");
    assertThat(log).isEmpty();
  }

  @Test
  void platformText() {
    assertThat(new RegistryData.Platform("linux", "amd64", null)).hasToString("linux/amd64");
    assertThat(
            new RegistryData("sha256:" + "1".repeat(64), RegistryClient.DOCKER_LIST, 1, null)
                .platforms())
        .isEmpty();
  }
}
