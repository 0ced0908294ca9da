package dev.imagespec.engine.cri;

import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.imagespec.engine.Deadline;
import dev.imagespec.engine.EngineUnavailableException;
import dev.imagespec.engine.containerd.content.v1.ContentGrpc;
import dev.imagespec.engine.containerd.content.v1.Info;
import dev.imagespec.engine.containerd.content.v1.InfoRequest;
import dev.imagespec.engine.containerd.content.v1.ReadContentRequest;
import dev.imagespec.engine.containerd.content.v1.ReadContentResponse;
import dev.imagespec.engine.containerd.events.ImageCreate;
import dev.imagespec.engine.containerd.events.ImageDelete;
import dev.imagespec.engine.containerd.events.ImageUpdate;
import dev.imagespec.engine.containerd.events.v1.Envelope;
import dev.imagespec.engine.containerd.events.v1.EventsGrpc;
import dev.imagespec.engine.containerd.events.v1.SubscribeRequest;
import dev.imagespec.engine.containerd.images.v1.CreateImageRequest;
import dev.imagespec.engine.containerd.images.v1.DeleteImageRequest;
import dev.imagespec.engine.containerd.images.v1.GetImageRequest;
import dev.imagespec.engine.containerd.images.v1.Image;
import dev.imagespec.engine.containerd.images.v1.ImagesGrpc;
import dev.imagespec.engine.containerd.images.v1.ListImagesRequest;
import dev.imagespec.engine.containerd.images.v1.UpdateImageRequest;
import dev.imagespec.engine.containerd.version.v1.VersionGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * containerd's own gRPC API (v1.6 protos, {@code dev.imagespec.engine.containerd.*}) on the CRI
 * socket, scoped to one namespace by the {@code containerd-namespace} header every call carries:
 * image records (get, list, create, update, delete), content (info, read) for push, image events
 * and the version service. Shares {@link CriClient}'s channel: one connection per runtime.
 *
 * <p>Errors as in {@link CriClient}: {@code NOT_FOUND} is an absent result, {@code UNAVAILABLE} an
 * {@link EngineUnavailableException}, the rest a {@link CriException} naming the call; {@code
 * UNIMPLEMENTED} (unknown service) means the runtime offers no containerd API (CRI-O).
 */
final class ContainerdClient {
  static final Metadata.Key<String> NAMESPACE_HEADER =
      Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);

  private final String host;
  private final String namespace;
  private final ManagedChannel base;
  private final Duration callTimeout;
  private final ImagesGrpc.ImagesBlockingStub images;
  private final ContentGrpc.ContentBlockingStub content;
  private final EventsGrpc.EventsBlockingStub events;
  private final VersionGrpc.VersionBlockingStub version;

  ContainerdClient(String host, ManagedChannel channel, String namespace, Duration callTimeout) {
    this.host = host;
    this.namespace = namespace;
    this.base = channel;
    this.callTimeout = callTimeout;
    Metadata md = new Metadata();
    md.put(NAMESPACE_HEADER, namespace);
    Channel scoped =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    this.images = ImagesGrpc.newBlockingStub(scoped);
    this.content = ContentGrpc.newBlockingStub(scoped);
    this.events = EventsGrpc.newBlockingStub(scoped);
    this.version = VersionGrpc.newBlockingStub(scoped);
  }

  String namespace() {
    return namespace;
  }

  /** Version service: containerd's version, e.g. {@code 1.6.20~ds1}. */
  String version() {
    return call(
        "Version", "", () -> deadline(version).version(Empty.getDefaultInstance()).getVersion());
  }

  /** Images/Get: the record of {@code name}, empty when there is none. */
  Optional<Image> get(String name) {
    try {
      return Optional.of(
          call(
              "images Get",
              name,
              () ->
                  deadline(images)
                      .get(GetImageRequest.newBuilder().setName(name).build())
                      .getImage()));
    } catch (CriException e) {
      if (e.code() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Images/List: the records matching any of {@code filters} (all when none). */
  List<Image> list(String... filters) {
    return call(
        "images List",
        "",
        () ->
            deadline(images)
                .list(ListImagesRequest.newBuilder().addAllFilters(List.of(filters)).build())
                .getImagesList());
  }

  /** Images/Create; {@link CriException} with {@code ALREADY_EXISTS} when the name is taken. */
  Image create(Image image) {
    return call(
        "images Create",
        image.getName(),
        () ->
            deadline(images)
                .create(CreateImageRequest.newBuilder().setImage(image).build())
                .getImage());
  }

  /** Images/Update of every field (target and labels) of the record named by {@code image}. */
  Image update(Image image) {
    return call(
        "images Update",
        image.getName(),
        () ->
            deadline(images)
                .update(UpdateImageRequest.newBuilder().setImage(image).build())
                .getImage());
  }

  /**
   * Images/Update of only the labels {@code labels} names on the record {@code name}: a key with a
   * value is set, a key with a null value removed (field mask {@code labels.KEY}); the target and
   * other labels stay as they are.
   */
  Image updateLabels(String name, java.util.Map<String, String> labels) {
    Image.Builder image = Image.newBuilder().setName(name);
    com.google.protobuf.FieldMask.Builder mask = com.google.protobuf.FieldMask.newBuilder();
    labels.forEach(
        (k, v) -> {
          mask.addPaths("labels." + k);
          if (v != null) {
            image.putLabels(k, v);
          }
        });
    return call(
        "images Update",
        name,
        () ->
            deadline(images)
                .update(
                    UpdateImageRequest.newBuilder()
                        .setImage(image.build())
                        .setUpdateMask(mask.build())
                        .build())
                .getImage());
  }

  /** Images/Delete of one name; false when there was no such record. */
  boolean delete(String name) {
    try {
      call(
          "images Delete",
          name,
          () -> deadline(images).delete(DeleteImageRequest.newBuilder().setName(name).build()));
      return true;
    } catch (CriException e) {
      if (e.code() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /** Content/Info of a blob; empty when the content store does not hold it. */
  Optional<Info> info(String digest) {
    try {
      return Optional.of(
          call(
              "content Info",
              digest,
              () ->
                  deadline(content)
                      .info(InfoRequest.newBuilder().setDigest(digest).build())
                      .getInfo()));
    } catch (CriException e) {
      if (e.code() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Content/Read of a whole small blob (a manifest, an index, a config). */
  byte[] readAll(String digest, int maxBytes) throws IOException {
    try (InputStream in = read(digest)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.size() > maxBytes) {
          throw new IOException(
              "blob " + digest + " in containerd's content store exceeds " + maxBytes + " bytes");
        }
      }
      return out.toByteArray();
    }
  }

  /**
   * Content/Read: the blob as a stream of the server's chunks, without a deadline of its own (a
   * layer may be large) but within the operation's {@link Deadline}; closing the stream cancels the
   * call.
   */
  InputStream read(String digest) {
    Context.CancellableContext ctx = Context.current().withCancellation();
    ContentGrpc.ContentBlockingStub content =
        Deadline.current().isPresent()
            ? this.content.withDeadlineAfter(
                Deadline.millisLeft(Duration.ofDays(1)), TimeUnit.MILLISECONDS)
            : this.content;
    Iterator<ReadContentResponse> chunks =
        call(
            "content Read",
            digest,
            () ->
                ctx.wrap(
                        () ->
                            content.read(ReadContentRequest.newBuilder().setDigest(digest).build()))
                    .call());
    return new BlobStream(digest, ctx, chunks);
  }

  /**
   * Events/Subscribe to image events ({@code topic~="/images/"}) of this client's namespace. The
   * stream ends when closed, from any thread.
   */
  CriRuntime.ImageEvents imageEvents() {
    String filter = "namespace==\"" + namespace + "\",topic~=\"/images/\"";
    Context.CancellableContext ctx = Context.current().withCancellation();
    Iterator<Envelope> envelopes =
        call(
            "events Subscribe",
            "",
            () ->
                ctx.wrap(
                        () ->
                            events.subscribe(
                                SubscribeRequest.newBuilder().addFilters(filter).build()))
                    .call());
    return new EventStream(ctx, envelopes);
  }

  private <S extends io.grpc.stub.AbstractStub<S>> S deadline(S stub) {
    return stub.withDeadlineAfter(Deadline.millisLeft(callTimeout), TimeUnit.MILLISECONDS);
  }

  private <T> T call(String method, String subject, Callable<T> rpc) {
    try {
      return rpc.call();
    } catch (StatusRuntimeException e) {
      throw mapped(method, subject, e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A gRPC failure as this package's exceptions (see the class comment). */
  RuntimeException mapped(String method, String subject, StatusRuntimeException e) {
    Status s = e.getStatus();
    String what =
        "containerd "
            + method
            + (subject.isEmpty() ? "" : " of " + subject)
            + " (namespace "
            + namespace
            + ") on "
            + host;
    String desc = s.getDescription() != null ? s.getDescription() : s.getCode().toString();
    if (base.isShutdown()) {
      return new CriException(s.getCode(), what + ": cancelled: the client was closed", e);
    }
    switch (s.getCode()) {
      case UNAVAILABLE:
        return new EngineUnavailableException(what + ": runtime unreachable: " + desc, e);
      case DEADLINE_EXCEEDED:
        Deadline operation = Deadline.current().orElse(null);
        if (operation != null && operation.passed()) {
          return operation.exceeded(what, e);
        }
        return new CriException(s.getCode(), what + ": no answer before the deadline", e);
      case UNIMPLEMENTED:
        return new CriException(
            s.getCode(),
            what + ": the runtime does not offer containerd's API (not containerd?): " + desc,
            e);
      default:
        return new CriException(s.getCode(), what + ": " + desc, e);
    }
  }

  /** A blob read as the server streams it. */
  private final class BlobStream extends InputStream {
    private final String digest;
    private final Context.CancellableContext ctx;
    private final Iterator<ReadContentResponse> chunks;
    private byte[] chunk = new byte[0];
    private int pos;
    private boolean closed;

    BlobStream(
        String digest, Context.CancellableContext ctx, Iterator<ReadContentResponse> chunks) {
      this.digest = digest;
      this.ctx = ctx;
      this.chunks = chunks;
    }

    private boolean fill() throws IOException {
      while (pos >= chunk.length) {
        if (closed) {
          throw new IOException("blob stream of " + digest + " is closed");
        }
        try {
          if (!chunks.hasNext()) {
            return false;
          }
          chunk = chunks.next().getData().toByteArray();
          pos = 0;
        } catch (StatusRuntimeException e) {
          throw new IOException(mapped("content Read", digest, e).getMessage(), e);
        }
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      return fill() ? chunk[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, chunk.length - pos);
      System.arraycopy(chunk, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        ctx.cancel(null);
      }
    }
  }

  /** Image events decoded from containerd's envelopes. */
  private final class EventStream implements CriRuntime.ImageEvents {
    private final Context.CancellableContext ctx;
    private final Iterator<Envelope> envelopes;
    private volatile boolean closed;
    private CriRuntime.ImageEvent next;

    EventStream(Context.CancellableContext ctx, Iterator<Envelope> envelopes) {
      this.ctx = ctx;
      this.envelopes = envelopes;
    }

    @Override
    public synchronized boolean hasNext() {
      while (next == null) {
        if (closed) {
          return false;
        }
        Envelope env;
        try {
          if (!envelopes.hasNext()) {
            return false;
          }
          env = envelopes.next();
        } catch (StatusRuntimeException e) {
          if (closed) {
            return false;
          }
          throw mapped("events Subscribe", "", e);
        }
        next = decode(env);
      }
      return true;
    }

    @Override
    public synchronized CriRuntime.ImageEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException("image event stream ended");
      }
      CriRuntime.ImageEvent e = next;
      next = null;
      return e;
    }

    @Override
    public void close() {
      closed = true;
      ctx.cancel(null);
    }
  }

  /** The event of an envelope; null for one this client does not know (skipped). */
  static CriRuntime.ImageEvent decode(Envelope env) {
    try {
      String name =
          switch (env.getTopic()) {
            case "/images/create" -> ImageCreate.parseFrom(env.getEvent().getValue()).getName();
            case "/images/update" -> ImageUpdate.parseFrom(env.getEvent().getValue()).getName();
            case "/images/delete" -> ImageDelete.parseFrom(env.getEvent().getValue()).getName();
            default -> null;
          };
      return name == null ? null : new CriRuntime.ImageEvent(env.getTopic(), name);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }
}
