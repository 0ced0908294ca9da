package dev.imagespec.engine.cri;

import dev.imagespec.engine.cri.v1.ContainerConfig;
import dev.imagespec.engine.cri.v1.ContainerMetadata;
import dev.imagespec.engine.cri.v1.CreateContainerRequest;
import dev.imagespec.engine.cri.v1.ImageSpec;
import dev.imagespec.engine.cri.v1.LinuxPodSandboxConfig;
import dev.imagespec.engine.cri.v1.LinuxSandboxSecurityContext;
import dev.imagespec.engine.cri.v1.NamespaceMode;
import dev.imagespec.engine.cri.v1.NamespaceOption;
import dev.imagespec.engine.cri.v1.PodSandboxConfig;
import dev.imagespec.engine.cri.v1.PodSandboxMetadata;
import dev.imagespec.engine.cri.v1.RemoveContainerRequest;
import dev.imagespec.engine.cri.v1.RemovePodSandboxRequest;
import dev.imagespec.engine.cri.v1.RunPodSandboxRequest;
import dev.imagespec.engine.cri.v1.RuntimeServiceGrpc;
import dev.imagespec.engine.cri.v1.StopPodSandboxRequest;
import java.util.concurrent.TimeUnit;

/**
 * A pod sandbox on the test containerd (host network: no CNI; its sandbox image is the one {@code
 * scripts/engines} imports) whose containers are only created, never started: enough to put an
 * image in use.
 */
final class PodSandbox implements AutoCloseable {
  static final String NAMESPACE = "imagespec-test";

  private final CriClient cri;
  private final PodSandboxConfig config;
  private final String id;

  private PodSandbox(CriClient cri, PodSandboxConfig config, String id) {
    this.cri = cri;
    this.config = config;
    this.id = id;
  }

  /** Runs sandbox {@code name} in namespace {@value #NAMESPACE}. */
  static PodSandbox run(CriClient cri, String name) {
    PodSandboxConfig config =
        PodSandboxConfig.newBuilder()
            .setMetadata(
                PodSandboxMetadata.newBuilder()
                    .setName(name)
                    .setUid(name)
                    .setNamespace(NAMESPACE)
                    .build())
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder()
                            .setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
            .build();
    String id =
        rt(cri)
            .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
            .getPodSandboxId();
    return new PodSandbox(cri, config, id);
  }

  private static RuntimeServiceGrpc.RuntimeServiceBlockingStub rt(CriClient cri) {
    return RuntimeServiceGrpc.newBlockingStub(cri.channel())
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Creates (does not start) container {@code name} of {@code image} with the kubelet's labels. */
  String createContainer(String image, String name) {
    ContainerConfig c =
        ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName(name))
            .setImage(ImageSpec.newBuilder().setImage(image))
            .addCommand("/bin/sh")
            .putLabels("io.kubernetes.pod.namespace", NAMESPACE)
            .putLabels("io.kubernetes.pod.name", config.getMetadata().getName())
            .putLabels("io.kubernetes.container.name", name)
            .build();
    return rt(cri)
        .createContainer(
            CreateContainerRequest.newBuilder()
                .setPodSandboxId(id)
                .setConfig(c)
                .setSandboxConfig(config)
                .build())
        .getContainerId();
  }

  void removeContainer(String containerId) {
    rt(cri)
        .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
  }

  @Override
  public void close() {
    rt(cri).stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    rt(cri).removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }
}
