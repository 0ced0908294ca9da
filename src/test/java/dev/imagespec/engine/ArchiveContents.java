package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Test helper: reads tar streams (Commons Compress) and docker-archive image tarballs. */
final class ArchiveContents {
  private ArchiveContents() {}

  /** One tar entry: name, type flag, size, link target. */
  record Entry(String name, char type, long size, String link, byte[] content) {}

  /** The entries of a tar stream; contents kept for files up to {@code keepUpTo} bytes. */
  static List<Entry> entries(InputStream in, long keepUpTo) throws IOException {
    List<Entry> out = new ArrayList<>();
    TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
    for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
      char type = (char) (e.getLinkFlag() == 0 ? '0' : e.getLinkFlag());
      byte[] content = e.getSize() <= keepUpTo ? tar.readNBytes((int) e.getSize()) : null;
      out.add(new Entry(e.getName(), type, e.getSize(), e.getLinkName(), content));
    }
    return out;
  }

  /** Every file path in every layer of a docker-archive tarball. */
  static Set<String> layerFiles(byte[] archive) throws IOException {
    Map<String, Entry> byName = new LinkedHashMap<>();
    for (Entry e : entries(new ByteArrayInputStream(archive), Long.MAX_VALUE)) {
      byName.put(e.name(), e);
    }
    JsonNode manifest = new ObjectMapper().readTree(byName.get("manifest.json").content());
    Set<String> files = new LinkedHashSet<>();
    for (JsonNode image : manifest) {
      for (JsonNode layer : image.path("Layers")) {
        Entry e = byName.get(layer.asText());
        while (e != null && e.type() == '2') {
          String target = resolve(layer.asText(), e.link());
          e = byName.get(target);
        }
        if (e == null) {
          continue;
        }
        for (Entry f : entries(new ByteArrayInputStream(e.content()), 0)) {
          files.add(f.name().replaceFirst("^\\./", "").replaceFirst("/$", ""));
        }
      }
    }
    return files;
  }

  /** The {@code RepoTags} of each image of a docker-archive tarball. */
  static List<List<String>> repoTags(byte[] archive) throws IOException {
    for (Entry e : entries(new ByteArrayInputStream(archive), Long.MAX_VALUE)) {
      if (e.name().equals("manifest.json")) {
        List<List<String>> out = new ArrayList<>();
        for (JsonNode image : new ObjectMapper().readTree(e.content())) {
          List<String> tags = new ArrayList<>();
          image.path("RepoTags").forEach(t -> tags.add(t.asText()));
          out.add(tags);
        }
        return out;
      }
    }
    throw new IOException("no manifest.json in the archive");
  }

  private static String resolve(String from, String link) {
    if (link.startsWith("/")) {
      return link.substring(1);
    }
    String dir = from.contains("/") ? from.substring(0, from.lastIndexOf('/')) : "";
    String path = dir.isEmpty() ? link : dir + "/" + link;
    return DockerIgnore.clean(path);
  }
}
