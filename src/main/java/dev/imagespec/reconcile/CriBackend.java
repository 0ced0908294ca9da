package dev.imagespec.reconcile;

import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.engine.cri.RuntimeInfo;
import dev.imagespec.spec.EngineInfo;

/** A CRI runtime (containerd, CRI-O) as an {@link ImageBackend}. */
public final class CriBackend implements ImageBackend {
  private final CriRuntime runtime;
  private final CriImagePort port;
  private final dev.imagespec.engine.RegistryClient registry;

  public CriBackend(CriRuntime runtime) {
    this(runtime, dev.imagespec.engine.RegistryClient.builder().build());
  }

  /** With {@code registry} for the port's digest lookups (the runtime's pushes share it). */
  public CriBackend(CriRuntime runtime, dev.imagespec.engine.RegistryClient registry) {
    this.runtime = runtime;
    this.port = new CriImagePort(runtime, registry);
    this.registry = registry;
  }

  /** The registry client the port and the runtime's pushes share. */
  @Override
  public java.util.Optional<dev.imagespec.engine.RegistryClient> registryClient() {
    return java.util.Optional.of(registry);
  }

  /** The runtime, for what the port does not cover ({@code images} subcommands). */
  public CriRuntime runtime() {
    return runtime;
  }

  @Override
  public ImagePort port() {
    return port;
  }

  @Override
  public EngineInfo info() {
    RuntimeInfo ri = runtime.info();
    return new EngineInfo(ri.name(), ri.version(), "cri " + ri.criApiVersion(), ri.host());
  }

  @Override
  public String endpoint() {
    return runtime.host();
  }

  @Override
  public EventFeed imageEvents() {
    CriRuntime.ImageEvents events = runtime.events();
    return new EventFeed() {
      @Override
      public boolean hasNext() {
        return events.hasNext();
      }

      @Override
      public String next() {
        CriRuntime.ImageEvent e = events.next();
        return e.topic() + " " + e.name();
      }

      @Override
      public void close() {
        events.close();
      }
    };
  }

  @Override
  public CriRuntime.Pins pin(java.util.Collection<String> references) {
    return runtime.pin(references);
  }

  @Override
  public java.util.Optional<String> imageFsPath() {
    return runtime.imageFsMountpoints().stream().findFirst();
  }

  @Override
  public void close() {
    runtime.close();
  }
}
