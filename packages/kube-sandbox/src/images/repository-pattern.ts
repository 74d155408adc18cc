import {
  InvalidImageReferenceError,
  isPathComponent,
  parseRepositoryName,
  type ImageReference,
} from "./image-reference.js";

/** The prefix of a pattern that matches a repository by its last path components, in any registry. */
const ANY_PREFIX = "**/";

/** Which repositories an image catalog entry covers. */
export interface RepositoryPattern {
  /** The pattern as it was written. */
  readonly text: string;
  /** Whether the repository (registry and path) of `reference` is one the pattern covers. */
  matches(reference: Pick<ImageReference, "registry" | "path">): boolean;
}

/**
 * Parses a repository pattern: either a repository name as a reference writes it (`redis`, `bitnami/redis`,
 * `quay.io/coreos/etcd`), which matches that repository only once both are normalized (`redis` is
 * `docker.io/library/redis`); or `**` followed by path components (`**` + `/etcd`, `**` + `/curlimages/curl`),
 * which matches every repository whose path ends with exactly those components, in any registry. Never a
 * substring: `etcd` does not cover `etcd-responder`. Throws `InvalidImageReferenceError`.
 */
export function parseRepositoryPattern(text: string): RepositoryPattern {
  if (text.startsWith(ANY_PREFIX)) {
    const suffix = text.slice(ANY_PREFIX.length).split("/");
    if (!suffix.every(isPathComponent)) {
      throw new InvalidImageReferenceError(text, "a pattern is ** followed by repository path components");
    }
    return {
      text,
      matches: ({ path }) => {
        const components = path.split("/");
        return components.length >= suffix.length && suffix.every((c, i) => components.at(i - suffix.length) === c);
      },
    };
  }
  const wanted = parseRepositoryName(text);
  return { text, matches: ({ registry, path }) => registry === wanted.registry && path === wanted.path };
}
