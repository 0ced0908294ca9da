package dev.imagespec.engine;

/**
 * One search hit, in one shape for both engines (Docker's {@code name}/{@code star_count}/{@code
 * is_official}/{@code is_automated}, Podman's {@code Index}/{@code Name}/{@code Stars}/{@code
 * Official}/{@code Automated}/{@code Tag}).
 *
 * @param index the registry searched (Podman; Docker: {@code docker.io})
 * @param name the repository
 * @param description its description, possibly empty
 * @param stars its stars
 * @param official whether it is an official image
 * @param automated whether it is an automated build
 * @param tag with {@link SearchOptions#listTags()}, one tag of the repository; else null
 */
public record SearchResult(
    String index,
    String name,
    String description,
    int stars,
    boolean official,
    boolean automated,
    String tag) {}
