package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestLoaderTest {
  @TempDir Path dir;

  static final String SECRET_JSON = "{\"auths\":{\"reg.example\":{\"auth\":\"dTpw\"}}}";

  static String spec(String name, String body) {
    return "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: "
        + name
        + "\nspec:\n"
        + body;
  }

  static String secret(String name) {
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: "
        + name
        + "\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: "
        + Base64.getEncoder().encodeToString(SECRET_JSON.getBytes(StandardCharsets.UTF_8))
        + "\n";
  }

  static final String FULL =
      """
      apiVersion: imagespec.dev/v1alpha1
      kind: ImageSpec
      metadata:
        name: web
        namespace: team
        labels: {app: web}
      spec:
        images:
          - image: reg.example/team/web:1.4
            ensure: Present
            pullPolicy: IfNotPresent
            platform: linux/amd64
            tags: [web:stable]
            pushes:
              - to: mirror.example/team/web:1.4
                credentialsSecret: mirror-cred
          - image: busybox@sha256:%s
            pullPolicy: Always
          - image: old:1
            ensure: Absent
        pullPolicy: IfNotPresent
        pullSecrets: [regcred]
        refreshInterval: 1h
        prune:
          schedule: "0 3 * * *"
          dangling: true
          olderThan: 168h
          labels: ["team=web", "!keep"]
        deletionPolicy: Retain
        nodeSelector:
          matchLabels: {kubernetes.io/os: linux}
      """
          .formatted("a".repeat(64));

  private Path write(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
    return f;
  }

  @Test
  void readsEveryFieldOfAFullSpec() throws Exception {
    Path f = write("full.yaml", FULL);
    Manifests m = new ManifestLoader().load(f.toString());
    assertThat(m.errors()).isEmpty();
    assertThat(m.specs()).hasSize(1);
    ImageSpec s = m.specs().get(0);
    assertThat(SpecKey.of(s)).isEqualTo(new SpecKey("team", "web"));
    assertThat(s.getMetadata().getLabels()).containsEntry("app", "web");
    ImageSpecSpec spec = s.getSpec();
    assertThat(spec.getImages()).hasSize(3);
    ImageEntry e = spec.getImages().get(0);
    assertThat(e.getEnsure()).isEqualTo(Ensure.Present);
    assertThat(e.getPlatform()).isEqualTo("linux/amd64");
    assertThat(e.getTags()).containsExactly("web:stable");
    assertThat(e.getPushes())
        .containsExactly(PushTarget.of("mirror.example/team/web:1.4", "mirror-cred"));
    assertThat(spec.getImages().get(1).effectivePullPolicy(spec)).isEqualTo(PullPolicy.Always);
    assertThat(spec.getImages().get(2).ensureOrDefault()).isEqualTo(Ensure.Absent);
    assertThat(spec.getPullSecrets()).containsExactly("regcred");
    assertThat(spec.getRefreshInterval()).isEqualTo("1h");
    assertThat(spec.getPrune().getLabels()).containsExactly("team=web", "!keep");
    assertThat(spec.getPrune().danglingOrDefault()).isTrue();
    assertThat(spec.getDeletionPolicy()).isEqualTo(DeletionPolicy.Retain);
    assertThat(spec.getNodeSelector().getMatchLabels()).containsEntry("kubernetes.io/os", "linux");
    assertThat(m.sourceOf(s)).isEqualTo(new ManifestSource(f.toString(), 1));
    // the Secrets are missing: reported by the separate local-mode check only
    assertThat(m.secretReferenceProblems())
        .extracting(ManifestProblem::toString)
        .containsExactly(
            f
                + ": document 1 (ImageSpec team/web): spec.pullSecrets[0]: secret 'regcred' not found in namespace 'team'",
            f
                + ": document 1 (ImageSpec team/web): spec.images[0].pushes[0].credentialsSecret: secret"
                + " 'mirror-cred' not found in namespace 'team'");
    assertThat(m.allProblems()).hasSize(2);
  }

  @Test
  void keepsImageSpecsAndSecretsAndNotesOtherKinds() throws Exception {
    Path f =
        write(
            "multi.yaml",
            spec("a", "  pullSecrets: [regcred]\n  images:\n    - image: busybox\n")
                + "---\n"
                + secret("regcred")
                + "---\n"
                + "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n"
                + "---\n"
                + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
                + "---\n");
    Manifests m = new ManifestLoader().load(f.toString());
    assertThat(m.errors()).isEmpty();
    assertThat(m.specs()).extracting(SpecKey::of).containsExactly(new SpecKey("default", "a"));
    assertThat(m.secrets()).hasSize(1);
    assertThat(m.secrets().get(0).getMetadata().getNamespace()).isEqualTo("default");
    assertThat(m.sourceOf(m.secrets().get(0))).isEqualTo(new ManifestSource(f.toString(), 2));
    assertThat(m.warnings())
        .containsExactly(
            f
                + ": document 3: ignored Deployment 'd' (apps/v1): only ImageSpec (imagespec.dev/v1alpha1) and Secret (v1) are read",
            f
                + ": document 4: ignored ConfigMap 'c' (v1): only ImageSpec (imagespec.dev/v1alpha1) and Secret (v1) are read");
    assertThat(m.secretReferenceProblems()).isEmpty();
  }

  @Test
  void readsDirectoriesRecursivelyInSortedOrderAndOnlyYaml() throws Exception {
    write("b.yaml", spec("b", "  images: [{image: b:1}]\n"));
    write("a/z.yml", spec("az", "  images: [{image: z:1}]\n"));
    write("a/c.YAML", spec("ac", "  images: [{image: c:1}]\n"));
    write("a/notes.txt", "not yaml: [");
    write("c/d/e.yaml", spec("e", "  images: [{image: e:1}]\n"));
    Manifests m = new ManifestLoader().load(dir.toString());
    assertThat(m.errors()).isEmpty();
    assertThat(m.specs())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("ac", "az", "b", "e");
  }

  /** The hint that ends each kustomization message: how to give the command what it renders. */
  static String rendering(String command, String dir) {
    return "to "
        + command
        + " what it renders: kubectl kustomize "
        + dir
        + " | imagespec "
        + command
        + " -f - (add -f FILE for the Secrets its specs name)";
  }

  /**
   * A kustomize directory below the one named (a GitOps layout: bases with placeholders, overlays
   * of patches) is skipped, nested ones with it, with one warning saying how to read what it
   * renders, for the command reading, the path quoted for a shell.
   */
  @Test
  void skipsKustomizeDirectoriesBelowTheDirectoryNamed() throws Exception {
    write("plain.yaml", spec("plain", "  images: [{image: p:1}]\n"));
    write("gitops/base/kustomization.yaml", "resources: [prewarm.yaml]\n");
    write("gitops/base/prewarm.yaml", spec("template", "  images: [{image: t:1}]\n"));
    write("gitops/pools/gpu/kustomization.yml", "resources: [../../base]\n");
    write("gitops/pools/gpu/patch.yaml", "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\n");
    write("flux's sync/Kustomization", "resources: [a.yaml]\n");
    write("flux's sync/a.yaml", spec("flux", "  images: [{image: f:1}]\n"));
    write("more/b.yaml", spec("more", "  images: [{image: b:1}]\n"));
    for (String command : new String[] {"apply", "plan"}) {
      Manifests m = new ManifestLoader(System.in, command).load(dir.toString());
      assertThat(m.errors()).isEmpty();
      assertThat(m.specs())
          .extracting(s -> s.getMetadata().getName())
          .containsExactly("more", "plain");
      String skipped =
          ": skipped, a kustomize directory (its bases and patches are not manifests to "
              + command
              + " as they are); ";
      Path flux = dir.resolve("flux's sync");
      assertThat(m.warnings())
          .containsExactly(
              flux + skipped + rendering(command, "'" + dir + "/flux'\\''s sync'"),
              dir.resolve("gitops/base")
                  + skipped
                  + rendering(command, dir.resolve("gitops/base").toString()),
              dir.resolve("gitops/pools/gpu")
                  + skipped
                  + rendering(command, dir.resolve("gitops/pools/gpu").toString()));
    }
  }

  /**
   * A kustomize directory named itself, by any kustomization file name, is refused with the hint:
   * its base and patches read as they are would be a wrong spec (the example base's placeholder
   * selector, an overlay's patch).
   */
  @ParameterizedTest
  @MethodSource("kustomizationFiles")
  void refusesAKustomizeDirectoryNamedItself(String file) throws Exception {
    write("k/" + file, "resources: [prewarm.yaml]\n");
    write("k/prewarm.yaml", spec("template", "  images: [{image: t:1}]\n"));
    write("k/sub/more.yaml", spec("more", "  images: [{image: m:1}]\n"));
    String k = dir.resolve("k").toString();
    Manifests m = new ManifestLoader(System.in, "plan").load(k);
    assertThat(m.specs()).isEmpty();
    assertThat(m.warnings()).isEmpty();
    assertThat(m.errors())
        .extracting(ManifestProblem::toString)
        .containsExactly(
            k
                + ": a kustomize directory (its bases and patches are not manifests to plan as they"
                + " are); "
                + rendering("plan", k));

    // its kustomization file named itself: the same hint, for its directory
    String f = dir.resolve("k").resolve(file).toString();
    Manifests named = new ManifestLoader().load(f);
    assertThat(named.specs()).isEmpty();
    assertThat(named.errors())
        .extracting(ManifestProblem::toString)
        .containsExactly(
            f + ": a kustomization, not manifests to apply as they are; " + rendering("apply", k));
  }

  static Stream<String> kustomizationFiles() {
    return Stream.of("kustomization.yaml", "kustomization.yml", "Kustomization");
  }

  /** The example's base and overlays, named on their own, are refused, and nothing is read. */
  @ParameterizedTest
  @MethodSource("gitOpsKustomizations")
  void refusesTheGitOpsExampleKustomizationsNamedThemselves(String path) {
    Manifests m = new ManifestLoader().load(path);
    assertThat(m.specs()).isEmpty();
    assertThat(m.errors())
        .extracting(ManifestProblem::toString)
        .singleElement()
        .asString()
        .endsWith(rendering("apply", path.replaceFirst("/(kustomization.yaml)?$", "")));
  }

  static Stream<String> gitOpsKustomizations() {
    return Stream.of(
        "examples/gitops",
        "examples/gitops/base",
        "examples/gitops/pools/gpu",
        "examples/gitops/pools/web/",
        "examples/gitops/pools/gpu/kustomization.yaml");
  }

  @Test
  void shellQuotedIsOneShellWord() {
    assertThat(ManifestInputs.shellQuoted("examples/gitops/pools/gpu"))
        .isEqualTo("examples/gitops/pools/gpu");
    assertThat(ManifestInputs.shellQuoted("my dir/$x")).isEqualTo("'my dir/$x'");
    assertThat(ManifestInputs.shellQuoted("it's")).isEqualTo("'it'\\''s'");
    assertThat(ManifestInputs.shellQuoted("-k")).isEqualTo("./-k");
    assertThat(ManifestInputs.shellQuoted("")).isEqualTo("''");
  }

  /**
   * {@code imagespec apply -f examples/} (scripts/demo) reads the examples, not examples/gitops.
   */
  @Test
  void theExamplesDirectoryLeavesTheGitOpsLayoutAlone() {
    Manifests m = new ManifestLoader().load("examples");
    assertThat(m.errors()).isEmpty();
    assertThat(m.specs())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("mirror-api", "nightly-prune", "prewarm", "revoke-old");
    assertThat(m.warnings()).singleElement().asString().startsWith("examples/gitops: skipped");
  }

  @Test
  void readsStandardInputAndFilesTogether() throws Exception {
    Path f = write("f.yaml", spec("file", "  images: [{image: f:1}]\n"));
    ManifestLoader loader =
        new ManifestLoader(
            new ByteArrayInputStream(
                spec("stdin", "  images: [{image: s:1}]\n").getBytes(StandardCharsets.UTF_8)));
    Manifests m = loader.load("-", f.toString());
    assertThat(m.specs())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("stdin", "file");
    assertThat(m.sourceOf(m.specs().get(0)).source()).isEqualTo("<stdin>");
  }

  @Test
  void missingPathIsAnError() {
    Manifests m = new ManifestLoader().load(dir.resolve("nope.yaml").toString());
    assertThat(m.errors())
        .extracting(ManifestProblem::toString)
        .containsExactly(dir.resolve("nope.yaml") + ": no such file or directory");
  }

  @Test
  void aBadDocumentMakesTheWholeInputInvalidButTheOthersAreStillChecked() {
    Manifests m =
        new ManifestLoader()
            .loadString(
                "in.yaml",
                spec("good", "  images: [{image: a:1}]\n")
                    + "---\n"
                    + spec("bad", "  images: [{image: a:1, ensure: Maybe}]\n")
                    + "---\n"
                    + spec("worse", "  images: []\n"));
    assertThat(m.hasErrors()).isTrue();
    assertThat(m.specs()).extracting(s -> s.getMetadata().getName()).containsExactly("good");
    assertThat(m.errors())
        .extracting(ManifestProblem::toString)
        .containsExactly(
            "in.yaml: document 2 (ImageSpec default/bad): spec.images[0].ensure: invalid value 'Maybe': must be one of Present, Absent",
            "in.yaml: document 3 (ImageSpec default/worse): spec.images: required: at least 1 image");
  }

  static Stream<Arguments> invalidInputs() {
    String sha = "sha256:" + "a".repeat(64);
    return Stream.of(
        Arguments.of(
            "YAML syntax error",
            spec("x", "  images:\n    - image: a:1\n   bad: [yaml\n"),
            "in.yaml: document 1: YAML syntax error at line 8, column 4: while parsing a block mapping:"
                + " expected <block end>, but found '<block mapping start>'"),
        Arguments.of(
            "YAML syntax error in a later document",
            spec("x", "  images: [{image: a:1}]\n") + "---\nfoo: [\n",
            "in.yaml: document 2: YAML syntax error at line 9, column 1: while parsing a flow node"),
        Arguments.of(
            "duplicate key",
            spec("x", "  images: [{image: a:1}]\n  images: [{image: b:1}]\n"),
            "in.yaml: document 1: YAML error at line 7, column 11: duplicate key 'images'"),
        Arguments.of(
            "unknown field in spec",
            spec("x", "  images: [{image: a:1}]\n  colour: blue\n"),
            "in.yaml: document 1 (ImageSpec default/x): spec.colour: unknown field 'colour' (known fields:"
                + " deletionPolicy, images, nodeSelector, pin, prune, pullPolicy, pullSecrets,"
                + " pullTimeout, refreshInterval, rollout, warmBeforeScheduling)"),
        Arguments.of(
            "unknown field in an image",
            spec("x", "  images:\n    - image: a:1\n    - image: b:1\n      pulPolicy: Always\n"),
            "in.yaml: document 1 (ImageSpec default/x): spec.images[1].pulPolicy: unknown field 'pulPolicy'"),
        Arguments.of(
            "unknown field in a push",
            spec(
                "x",
                "  images:\n    - image: a:1\n      pushes: [{to: m.example/a:1, secret: s}]\n"),
            "(ImageSpec default/x): spec.images[0].pushes[0].secret: unknown field 'secret' (known fields:"
                + " credentialsSecret, to)"),
        Arguments.of(
            "unknown field in prune",
            spec("x", "  images: [{image: a:1}]\n  prune: {schedule: '0 3 * * *', keepLast: 3}\n"),
            "spec.prune.keepLast: unknown field 'keepLast'"),
        Arguments.of(
            "unknown top-level field",
            spec("x", "  images: [{image: a:1}]\n") + "extra: 1\n",
            "(ImageSpec default/x): extra: unknown field 'extra'"),
        Arguments.of(
            "unknown metadata field",
            spec("x", "  images: [{image: a:1}]\n")
                .replace("metadata:\n", "metadata:\n  nmae: y\n"),
            "(ImageSpec default/x): metadata.nmae: unknown field 'nmae'"),
        Arguments.of(
            "unknown nodeSelector field",
            spec("x", "  images: [{image: a:1}]\n  nodeSelector: {matchLabel: {a: b}}\n"),
            "spec.nodeSelector.matchLabel: unknown field 'matchLabel'"),
        Arguments.of(
            "bad reference",
            spec("x", "  images:\n    - image: a:1\n    - image: Bad/Ref\n"),
            "in.yaml: document 1 (ImageSpec default/x): spec.images[1].image: invalid image reference"
                + " 'Bad/Ref': repository name must be lowercase"),
        Arguments.of(
            "bad tag reference",
            spec("x", "  images:\n    - image: a:1\n      tags: ['a:bad tag']\n"),
            "spec.images[0].tags[0]: invalid image reference 'a:bad tag'"),
        Arguments.of(
            "bad push target",
            spec(
                "x",
                "  images:\n    - image: a:1\n      pushes: [{to: 'm.example/a@" + sha + "'}]\n"),
            "spec.images[0].pushes[0].to: push target 'm.example/a@"
                + sha
                + "' must not have a digest"),
        Arguments.of(
            "bad duration",
            spec("x", "  images: [{image: a:1}]\n  refreshInterval: 10 minutes\n"),
            "(ImageSpec default/x): spec.refreshInterval: invalid duration '10 minutes': unknown unit ' minutes'"),
        Arguments.of(
            "bad olderThan",
            spec("x", "  images: [{image: a:1}]\n  prune: {olderThan: 7d}\n"),
            "spec.prune.olderThan: invalid duration '7d': unknown unit 'd'"),
        Arguments.of(
            "bad cron",
            spec("x", "  images: [{image: a:1}]\n  prune:\n    schedule: \"every day\"\n"),
            "(ImageSpec default/x): spec.prune.schedule: invalid cron expression 'every day': expected 5 fields"),
        Arguments.of(
            "bad label filter",
            spec("x", "  images: [{image: a:1}]\n  prune: {labels: ['a=b', '!']}\n"),
            "spec.prune.labels[1]: invalid label filter '!': the label key is empty"),
        Arguments.of(
            "bad enum",
            spec("x", "  images:\n    - image: a:1\n      pullPolicy: Sometimes\n"),
            "in.yaml: document 1 (ImageSpec default/x): spec.images[0].pullPolicy: invalid value 'Sometimes':"
                + " must be one of IfNotPresent, Always, Never"),
        Arguments.of(
            "enum is case-sensitive",
            spec("x", "  images:\n    - image: a:1\n      ensure: absent\n"),
            "spec.images[0].ensure: invalid value 'absent': must be one of Present, Absent"),
        Arguments.of(
            "enum given as number",
            spec("x", "  images:\n    - image: a:1\n      ensure: 1\n"),
            "spec.images[0].ensure: invalid value '1': must be one of Present, Absent"),
        Arguments.of(
            "bad spec-level enum",
            spec("x", "  images: [{image: a:1}]\n  deletionPolicy: Delete\n"),
            "spec.deletionPolicy: invalid value 'Delete': must be one of Retain, Remove"),
        Arguments.of(
            "list expected",
            spec("x", "  images:\n    - image: a:1\n      tags: web:stable\n"),
            "spec.images[0].tags: invalid value: expected a list, got string 'web:stable'"),
        Arguments.of(
            "mapping expected",
            spec("x", "  images:\n    - busybox\n"),
            "spec.images[0]: invalid value: expected a mapping, got string 'busybox'"),
        Arguments.of(
            "string expected",
            spec("x", "  images:\n    - image: {name: a}\n"),
            "spec.images[0].image: invalid value: expected a string, got a mapping"),
        Arguments.of(
            "boolean expected",
            spec("x", "  images: [{image: a:1}]\n  prune: {dangling: sometimes}\n"),
            "spec.prune.dangling: invalid value 'sometimes': expected a boolean (true or false)"),
        Arguments.of(
            "empty images",
            spec("x", "  images: []\n"),
            "in.yaml: document 1 (ImageSpec default/x): spec.images: required: at least 1 image"),
        Arguments.of(
            "missing images",
            spec("x", "  pullPolicy: Always\n"),
            "spec.images: required: at least 1 image"),
        Arguments.of(
            "missing spec",
            "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: x\n",
            "(ImageSpec default/x): spec: required"),
        Arguments.of(
            "missing name",
            "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  namespace: a\nspec:\n  images: [{image: a:1}]\n",
            "in.yaml: document 1 (ImageSpec): metadata.name: required"),
        Arguments.of(
            "duplicate images after normalisation",
            spec(
                "x",
                "  images:\n    - image: busybox\n    - image: docker.io/library/busybox:latest\n"),
            "in.yaml: document 1 (ImageSpec default/x): spec.images[1].image: duplicate image"
                + " 'docker.io/library/busybox:latest': same as spec.images[0].image (docker.io/library/busybox:latest)"),
        Arguments.of(
            "bad platform",
            spec("x", "  images: [{image: a:1, platform: amd64}]\n"),
            "spec.images[0].platform: invalid platform 'amd64'"),
        Arguments.of(
            "wrong apiVersion",
            spec("x", "  images: [{image: a:1}]\n").replace("v1alpha1", "v1"),
            "in.yaml: document 1 (ImageSpec default/x): apiVersion: unsupported apiVersion 'imagespec.dev/v1' for"
                + " kind ImageSpec (expected imagespec.dev/v1alpha1)"),
        Arguments.of(
            "missing kind",
            "apiVersion: v1\nmetadata: {name: x}\n",
            "in.yaml: document 1: kind: required"),
        Arguments.of(
            "not a mapping",
            "- a\n- b\n",
            "in.yaml: document 1: document is not a mapping (found array)"),
        Arguments.of(
            "unknown field in a Secret",
            secret("s") + "strinData: {a: b}\n",
            "in.yaml: document 1 (Secret default/s): strinData: unknown field 'strinData'"),
        Arguments.of(
            "alias (read as its name by Jackson, so refused)",
            spec("x", "  images:\n    - image: &i a:1\n    - image: *i\n"),
            "in.yaml: document 1: YAML alias '*i' at line 8, column 14: aliases are not supported"),
        Arguments.of(
            "number where a string belongs",
            spec("x", "  images: [{image: a:1}]\n").replace("name: x", "name: 12"),
            "in.yaml: document 1 (ImageSpec): metadata.name: invalid value '12': expected a string"),
        Arguments.of(
            "escaped control character, shown escaped",
            spec("x", "  images: [{image: \"a\\e[2J\"}]\n"),
            "in.yaml: document 1: spec.images[0].image: contains control character U+001B"),
        Arguments.of(
            "duplicate ImageSpec",
            spec("x", "  images: [{image: a:1}]\n")
                + "---\n"
                + spec("x", "  images: [{image: b:1}]\n"),
            "in.yaml: document 2 (ImageSpec default/x): metadata.name: duplicate ImageSpec default/x (also defined in"
                + " in.yaml: document 1)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidInputs")
  void invalidInputIsReportedWithFileDocumentFieldAndValue(
      String name, String yaml, String expected) {
    Manifests m = new ManifestLoader().loadString("in.yaml", yaml);
    assertThat(m.hasErrors()).isTrue();
    assertThat(m.errors())
        .extracting(ManifestProblem::toString)
        .anyMatch(s -> s.contains(expected));
    assertThat(m.errors())
        .extracting(ManifestProblem::toString)
        .allMatch(s -> s.startsWith("in.yaml: "));
    assertThat(m.errors())
        .extracting(ManifestProblem::toString)
        .noneMatch(s -> s.contains("com.fasterxml"));
  }

  @Test
  void unknownSecretIsReportedInLocalMode() {
    Manifests m =
        new ManifestLoader()
            .loadString(
                "in.yaml",
                spec("x", "  pullSecrets: [nosuchsecret, regcred]\n  images: [{image: a:1}]\n")
                    + "---\n"
                    + secret("regcred")
                        .replace("name: regcred", "name: regcred\n  namespace: other")
                    + "---\n"
                    + "apiVersion: v1\nkind: Secret\nmetadata: {name: opaque}\ntype: Opaque\n"
                    + "---\n"
                    + spec("y", "  pullSecrets: [opaque]\n  images: [{image: a:1}]\n"));
    assertThat(m.errors()).isEmpty();
    assertThat(m.secretReferenceProblems())
        .extracting(ManifestProblem::toString)
        .containsExactly(
            "in.yaml: document 1 (ImageSpec default/x): spec.pullSecrets[0]: secret 'nosuchsecret' not found in namespace 'default'",
            "in.yaml: document 1 (ImageSpec default/x): spec.pullSecrets[1]: secret 'regcred' not found in namespace 'default'",
            "in.yaml: document 4 (ImageSpec default/y): spec.pullSecrets[0]: secret default/opaque has type 'Opaque',"
                + " expected kubernetes.io/dockerconfigjson");
    assertThat(m.allProblems()).hasSize(3);
  }

  @Test
  void problemsExposeTheirParts() {
    Manifests m = new ManifestLoader().loadString("in.yaml", spec("x", "  images: []\n"));
    ManifestProblem p = m.errors().get(0);
    assertThat(p.source()).isEqualTo("in.yaml");
    assertThat(p.document()).isEqualTo(1);
    assertThat(p.object()).isEqualTo("ImageSpec default/x");
    assertThat(p.field()).isEqualTo("spec.images");
    assertThat(p.violation().toString()).isEqualTo("spec.images: required: at least 1 image");
  }

  @Test
  void aSourceThatIsNotUtf8IsAnErrorSayingWhereAndNothingOfItIsRead() throws Exception {
    String text = spec("latin", "  images:\n    - image: caf\u00e9:1\n");
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, text.getBytes(StandardCharsets.ISO_8859_1));
    Path good = write("good.yaml", spec("good", "  images: [{image: g:1}]\n"));
    // On standard input: valid multi-byte characters before the bad byte count as one column.
    byte[] utf8 =
        spec("piped", "  images: [{image: p:1}]\n# \u00f1\u00f1 ").getBytes(StandardCharsets.UTF_8);
    byte[] stdin = java.util.Arrays.copyOf(utf8, utf8.length + 2);
    stdin[utf8.length] = (byte) 0xff;
    stdin[utf8.length + 1] = '\n';

    Manifests m =
        new ManifestLoader(new ByteArrayInputStream(stdin))
            .load(latin1.toString(), "-", good.toString());
    assertThat(m.specs()).extracting(s -> s.getMetadata().getName()).containsExactly("good");
    assertThat(m.errors())
        .extracting(ManifestProblem::toString)
        .containsExactly(
            latin1
                + ": not valid UTF-8: byte 0xE9 at line 7, column 17 (byte offset "
                + text.indexOf('\u00e9')
                + "); manifests must be UTF-8",
            "<stdin>: not valid UTF-8: byte 0xFF at line 7, column 6 (byte offset "
                + utf8.length
                + "); manifests must be UTF-8");
    assertThat(m.errors()).allSatisfy(p -> assertThat(p.document()).isZero());
  }
}
