import { InvalidImageReferenceError, isTag, type ImageReference } from "./image-reference.js";
import { parseRepositoryPattern, type RepositoryPattern } from "./repository-pattern.js";

/**
 * An image the sandbox can run: which references it covers and what its configuration says a container
 * runs. Its programs are the host's: every `entrypoint` and `cmd` word that names a program is looked up on
 * the host's PATH by its base name, unless it is an absolute path that exists.
 */
export interface ImageEntry {
  /**
   * The repositories it covers (at least one): a repository name as an image reference writes it (`redis`,
   * `bitnami/redis`, `quay.io/coreos/etcd`), matched once normalized (`redis` is `docker.io/library/redis`),
   * or `**` + `/PATH` for every repository whose path ends with those components, in any registry.
   */
  repositories: readonly string[];
  /** The tags it covers; default every tag. A reference that pins only a digest matches an entry without `tags`. */
  tags?: readonly string[];
  /** The image's ENTRYPOINT; default none. A container's `command` replaces it. */
  entrypoint?: readonly string[];
  /** The image's CMD; default none. A container's `args` replace it, and so does a `command`. */
  cmd?: readonly string[];
  /**
   * Host folders the image holds at the same paths (its program and files, when they live in a checkout or
   * under /tmp), absolute. An isolated Pod sees the host's files anyway, but a volume mounted over a parent
   * folder (an emptyDir at /tmp) would hide them: these are mounted read-only at their own paths over it.
   */
  hostPaths?: readonly string[];
}

/** What a container runtime reads from an image to start a container of it. */
export interface ImageConfig {
  /** ENTRYPOINT, possibly empty. */
  entrypoint: readonly string[];
  /** CMD, possibly empty. */
  cmd: readonly string[];
  /** Host folders the image holds at the same paths (see `ImageEntry.hostPaths`); none when absent. */
  hostPaths?: readonly string[];
}

/** An image catalog entry that cannot be used (no repositories, a bad repository pattern or tag). */
export class ImageEntryError extends Error {
  override readonly name = "ImageEntryError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, ImageEntryError.prototype);
  }
}

interface CompiledEntry {
  patterns: RepositoryPattern[];
  tags: ReadonlySet<string> | undefined;
  config: ImageConfig;
}

/** The images the sandbox's kubelet can "pull": the first entry covering a reference is its image. */
export class ImageCatalog {
  private readonly entries: CompiledEntry[];

  /** Throws `ImageEntryError` for an entry that cannot be used; `index` in its message is its position. */
  constructor(entries: readonly ImageEntry[]) {
    this.entries = entries.map((entry, index) => compileEntry(entry, index));
  }

  /** The configuration of the image `reference` names, or undefined when no entry covers it. */
  find(reference: ImageReference): ImageConfig | undefined {
    return this.entries.find((entry) => covers(entry, reference))?.config;
  }
}

function covers(entry: CompiledEntry, reference: ImageReference): boolean {
  if (!entry.patterns.some((pattern) => pattern.matches(reference))) return false;
  if (!entry.tags) return true;
  return reference.tag !== undefined && entry.tags.has(reference.tag);
}

function compileEntry(entry: ImageEntry, index: number): CompiledEntry {
  if (entry.repositories.length === 0) throw new ImageEntryError(`image entry ${index}: no repositories`);
  const patterns = entry.repositories.map((text) => {
    try {
      return parseRepositoryPattern(text);
    } catch (error) {
      if (!(error instanceof InvalidImageReferenceError)) throw error;
      throw new ImageEntryError(`image entry ${index}: ${error.message}`);
    }
  });
  const badTag = entry.tags?.find((tag) => !isTag(tag));
  if (badTag !== undefined) throw new ImageEntryError(`image entry ${index}: invalid tag "${badTag}"`);
  const relative = entry.hostPaths?.find((path) => !path.startsWith("/"));
  if (relative !== undefined)
    throw new ImageEntryError(`image entry ${index}: host path "${relative}" is not absolute`);
  return {
    patterns,
    tags: entry.tags ? new Set(entry.tags) : undefined,
    config: {
      entrypoint: [...(entry.entrypoint ?? [])],
      cmd: [...(entry.cmd ?? [])],
      ...(entry.hostPaths ? { hostPaths: [...entry.hostPaths] } : {}),
    },
  };
}
