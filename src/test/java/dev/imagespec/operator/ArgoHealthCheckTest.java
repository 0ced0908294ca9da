package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Argo CD health check ({@code deploy/gitops/argocd/imagespec-health.lua}) run by a real Lua
 * (Debian's {@code lua5.4}; Argo CD's own is gopher-lua, a Lua 5.1, and the script uses nothing
 * newer) on ImageSpecs whose status {@link SpecAggregation} computed as the aggregator would: a
 * harness defines {@code obj} as a Lua table made from the object's JSON and prints {@code
 * hs.status} and {@code hs.message}.
 */
class ArgoHealthCheckTest {
  static final Path SCRIPT = Path.of("deploy/gitops/argocd/imagespec-health.lua");
  static final Path CM_PATCH = Path.of("deploy/gitops/argocd/argocd-cm-patch.yaml");
  static final String KEY = "resource.customizations.health.imagespec.dev_ImageSpec";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant T0 = SpecAggregationTest.T0;

  /** The Lua interpreter, from the PATH (scripts/engines installs Debian's lua5.4); or null. */
  static final Path LUA = onPath("lua5.4");

  /** Skips (fails under scripts/test) a test that needs lua5.4 where there is none. */
  static void requireLua() {
    if (LUA == null) {
      String why = "lua5.4 is not on PATH: apt-get install lua5.4 (scripts/engines installs it)";
      if ("1".equals(System.getenv("IMAGESPEC_REQUIRE_ENGINES"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
  }

  @BeforeAll
  static void findLua() {
    requireLua();
  }

  static Path onPath(String name) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, name))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
  }

  /** What the script answered. */
  record Health(String status, String message) {}

  /** Runs the health check on {@code obj} (its JSON, as Argo CD hands it to Lua). */
  static Health check(Object obj) throws Exception {
    JsonNode tree = JSON.readTree(Serialization.asJson(obj));
    Path harness = Files.createTempFile("argo-health-harness", ".lua");
    try {
      return run(harness, tree);
    } finally {
      Files.deleteIfExists(harness);
    }
  }

  private static Health run(Path harness, JsonNode tree) throws Exception {
    Files.writeString(
        harness,
        "obj = "
            + luaLiteral(tree)
            + "\n"
            + "local hs = dofile(arg[1])\n"
            + "io.write(hs.status, \"\\n\", hs.message)\n",
        StandardCharsets.UTF_8);
    Process p =
        new ProcessBuilder(LUA.toString(), harness.toString(), SCRIPT.toAbsolutePath().toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("lua5.4 ended").isTrue();
    assertThat(p.exitValue()).as("lua5.4: %s", out).isZero();
    int nl = out.indexOf('\n');
    assertThat(nl).as("status and message: %s", out).isPositive();
    return new Health(out.substring(0, nl), out.substring(nl + 1));
  }

  /**
   * A Lua table constructor for a JSON value, as Argo CD converts objects: keys as strings, arrays
   * as sequences, nulls left out. Strings are written byte by byte, anything but printable ASCII as
   * a decimal escape, so any text survives.
   */
  static String luaLiteral(JsonNode n) {
    if (n.isObject()) {
      StringBuilder b = new StringBuilder("{");
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isNull()) {
          b.append('[').append(luaString(e.getKey())).append("]=");
          b.append(luaLiteral(e.getValue())).append(',');
        }
      }
      return b.append('}').toString();
    }
    if (n.isArray()) {
      StringBuilder b = new StringBuilder("{");
      for (JsonNode e : n) {
        assertThat(e.isNull()).as("a null inside an array has no Lua sequence form").isFalse();
        b.append(luaLiteral(e)).append(',');
      }
      return b.append('}').toString();
    }
    if (n.isTextual()) {
      return luaString(n.asText());
    }
    if (n.isNumber() || n.isBoolean()) {
      return n.asText();
    }
    throw new AssertionError("no Lua form for " + n.getNodeType());
  }

  static String luaString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        b.append((char) c);
      } else {
        b.append('\\').append(String.format("%03d", c));
      }
    }
    return b.append('"').toString();
  }

  /** The spec (generation 3, two images) with the status the aggregator makes of these nodes. */
  static ImageSpec aggregated(ImageNode... nodes) {
    ImageSpec spec = SpecAggregationTest.spec();
    ImageSpecStatus st =
        SpecAggregation.aggregate(spec, SpecAggregation.reports(spec, List.of(nodes)), null, T0);
    spec.setStatus(st);
    return spec;
  }

  static ImageNode ready(String name) {
    return SpecAggregationTest.node(name, 3L, ImageState.Present, ImageState.Present, null);
  }

  @Test
  void theConfigMapPatchEmbedsTheScriptVerbatim() throws IOException {
    JsonNode cm = new ObjectMapper(new YAMLFactory()).readTree(CM_PATCH.toFile());
    assertThat(cm.path("kind").asText()).isEqualTo("ConfigMap");
    assertThat(cm.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
    assertThat(cm.path("data").path(KEY).asText())
        .as("%s: data.%s is %s", CM_PATCH, KEY, SCRIPT)
        .isEqualTo(Files.readString(SCRIPT));
  }

  @Test
  void noStatusYetIsProgressing() throws Exception {
    assertThat(check(SpecAggregationTest.spec()).status()).isEqualTo("Progressing");
  }

  @Test
  void aStatusOfAnOlderGenerationIsProgressingEvenWhenItSaidReady() throws Exception {
    ImageSpec spec = aggregated(ready("n1"), ready("n2"));
    assertThat(check(spec).status()).isEqualTo("Healthy");
    spec.getMetadata().setGeneration(4L); // edited; the aggregator has not seen it yet
    assertThat(check(spec))
        .isEqualTo(
            new Health(
                "Progressing", "Generation 4 not observed yet (the status is of generation 3)"));
  }

  @Test
  void everyNodeConvergedIsHealthy() throws Exception {
    assertThat(check(aggregated(ready("n1"), ready("n2"))))
        .isEqualTo(new Health("Healthy", "converged on 2/2 node(s)"));
  }

  @Test
  void nodesStillConvergingAreProgressing() throws Exception {
    ImageNode stale =
        SpecAggregationTest.node("n2", 2L, ImageState.Present, ImageState.Present, null);
    ImageSpec spec = aggregated(ready("n1"), stale);
    assertThat(spec.getStatus().isReady()).isFalse();
    assertThat(check(spec)).isEqualTo(new Health("Progressing", "1 node(s) not converged yet: n2"));
  }

  @Test
  void aFailedNodeIsDegradedWithTheConditionsMessage() throws Exception {
    // quotes, a newline and non-ASCII text reach the script intact
    String why = "PullFailed: b:1 \"not found\"\nregistry said: ünknown";
    ImageNode failed =
        SpecAggregationTest.node("n2", 3L, ImageState.Present, ImageState.Failed, why);
    ImageSpec spec = aggregated(ready("n1"), failed);
    assertThat(check(spec)).isEqualTo(new Health("Degraded", "node n2: " + why));
  }

  @Test
  void aFailureWinsOverNodesStillConverging() throws Exception {
    ImageNode failed =
        SpecAggregationTest.node("n2", 3L, ImageState.Present, ImageState.Failed, "x: gone");
    ImageNode stale =
        SpecAggregationTest.node("n3", 2L, ImageState.Present, ImageState.Present, null);
    ImageSpec spec = aggregated(ready("n1"), failed, stale);
    assertThat(spec.getStatus().condition(Conditions.PROGRESSING).orElseThrow().getStatus())
        .isEqualTo("True");
    assertThat(check(spec)).isEqualTo(new Health("Degraded", "node n2: x: gone"));
  }

  @Test
  void anInvalidSpecIsDegraded() throws Exception {
    // as AggregatorReconciler.invalid writes it
    ImageSpec spec = SpecAggregationTest.spec();
    ImageSpecStatus st = new ImageSpecStatus();
    st.setObservedGeneration(3L);
    String why = "spec.images: cannot read 5: expected a list";
    st.setConditions(
        Conditions.against(null, 3L, T0)
            .ready(false, Reasons.INVALID_SPEC, why)
            .progressing(false, Reasons.INVALID_SPEC, "not applied")
            .degraded(true, Reasons.INVALID_SPEC, why)
            .build());
    spec.setStatus(st);
    assertThat(check(spec)).isEqualTo(new Health("Degraded", why));
  }

  @Test
  void noMatchingNodeIsSuspended() throws Exception {
    assertThat(check(aggregated()))
        .isEqualTo(new Health("Suspended", "no node with an imagespec agent matches nodeSelector"));
  }

  @Test
  void aSpecBeingDeletedIsProgressing() throws Exception {
    ImageSpec spec = aggregated(ready("n1"));
    spec.getMetadata().setDeletionTimestamp("2026-01-01T00:01:00Z");
    assertThat(check(spec).status()).isEqualTo("Progressing");
    assertThat(check(spec).message()).contains("deleted");
  }
}
