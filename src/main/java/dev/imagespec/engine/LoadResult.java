package dev.imagespec.engine;

import java.util.List;

/**
 * What a load brought in: {@code names} as the engine reported loading them (the archive's names,
 * or an ID for an image it holds untagged), and the {@code images} they name, each once and with
 * all its names (also those it carried before).
 */
public record LoadResult(List<String> names, List<Image> images) {
  public LoadResult {
    names = List.copyOf(names);
    images = List.copyOf(images);
  }
}
