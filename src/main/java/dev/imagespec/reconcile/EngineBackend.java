package dev.imagespec.reconcile;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Events;
import dev.imagespec.spec.EngineInfo;

/** A Docker Engine API store (dockerd or Podman's service) as an {@link ImageBackend}. */
public final class EngineBackend implements ImageBackend {
  private final EngineClient client;
  private final EngineImagePort port;
  private volatile EngineInfo info;

  public EngineBackend(EngineClient client) {
    this.client = client;
    this.port = new EngineImagePort(client);
  }

  /** The engine client, for what the port does not cover ({@code images} subcommands). */
  public EngineClient client() {
    return client;
  }

  @Override
  public ImagePort port() {
    return port;
  }

  @Override
  public EngineInfo info() {
    EngineInfo current = info;
    if (current == null) {
      EngineClient.ServerInfo si = client.info();
      String version = client.version().path("Version").asText(null);
      current = new EngineInfo(si.engineName(), version, si.apiVersion(), endpoint());
      info = current;
    }
    return current;
  }

  @Override
  public String endpoint() {
    return client.endpoint().toString();
  }

  @Override
  public EventFeed imageEvents() {
    Events.Subscription s = client.events().images();
    return new EventFeed() {
      @Override
      public boolean hasNext() {
        return s.hasNext();
      }

      @Override
      public String next() {
        Events.Event e = s.next();
        return e.action() + " " + e.id();
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }

  @Override
  public java.util.Optional<String> imageFsPath() {
    String root = client.systemInfo().path("DockerRootDir").asText("");
    return root.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(root);
  }

  @Override
  public void close() {
    client.close();
  }
}
