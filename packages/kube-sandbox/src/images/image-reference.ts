/** The registry of references that name none, as container runtimes default it. */
export const DEFAULT_REGISTRY = "docker.io";
/** The tag of references that give neither a tag nor a digest. */
export const DEFAULT_TAG = "latest";

/** A container image reference, normalized as a container runtime pulls it. */
export interface ImageReference {
  /** The host (and port) of the registry, e.g. `quay.io`, `localhost:5000`; `docker.io` when none is written. */
  registry: string;
  /** The repository path inside the registry, e.g. `coreos/etcd`; `library/NAME` for a one-word Docker Hub name. */
  path: string;
  /** The tag; `latest` when the reference gives neither a tag nor a digest. */
  tag?: string;
  /** The digest, e.g. `sha256:…`, when the reference pins one. */
  digest?: string;
}

/** An image reference that does not follow the reference grammar; the kubelet reports `InvalidImageName`. */
export class InvalidImageReferenceError extends Error {
  override readonly name = "InvalidImageReferenceError";

  constructor(
    /** The reference as it was written. */
    readonly reference: string,
    reason: string,
  ) {
    super(`couldn't parse image name "${reference}": ${reason}`);
    Object.setPrototypeOf(this, InvalidImageReferenceError.prototype);
  }
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const REGISTRY =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::\d+)?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const MAX_NAME_LENGTH = 255;

/**
 * Parses `[REGISTRY/]PATH[:TAG][@DIGEST]` the way container runtimes do: the first component is the registry
 * when it has a `.` or a `:` or is `localhost`; without one the registry is `docker.io`, where a one-word name
 * lives under `library/`; without a tag or digest the tag is `latest`. Throws `InvalidImageReferenceError`.
 */
export function parseImageReference(text: string): ImageReference {
  const at = text.indexOf("@");
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const nameAndTag = at >= 0 ? text.slice(0, at) : text;
  if (digest !== undefined && !DIGEST.test(digest)) throw new InvalidImageReferenceError(text, "invalid digest");
  const colon = nameAndTag.lastIndexOf(":");
  const hasTag = colon > nameAndTag.lastIndexOf("/");
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (tag !== undefined && !isTag(tag)) throw new InvalidImageReferenceError(text, "invalid tag");
  const { registry, path } = parseRepositoryName(hasTag ? nameAndTag.slice(0, colon) : nameAndTag, text);
  const reference: ImageReference = { registry, path };
  if (tag !== undefined || digest === undefined) reference.tag = tag ?? DEFAULT_TAG;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/**
 * Parses a repository name without tag or digest (`etcd`, `bitnami/redis`, `quay.io/coreos/etcd`) into its
 * normalized registry and path. Throws `InvalidImageReferenceError`, naming `whole` as the reference.
 */
export function parseRepositoryName(name: string, whole = name): { registry: string; path: string } {
  if (name === "") throw new InvalidImageReferenceError(whole, "repository name must have at least one component");
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidImageReferenceError(whole, `repository name must not be more than ${MAX_NAME_LENGTH} characters`);
  }
  const components = name.split("/");
  const first = components[0] ?? "";
  const hasRegistry = components.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry && !REGISTRY.test(first)) throw new InvalidImageReferenceError(whole, "invalid registry");
  const pathComponents = hasRegistry ? components.slice(1) : components;
  for (const component of pathComponents) {
    if (!isPathComponent(component)) {
      const reason = /[A-Z]/.test(component) ? "repository name must be lowercase" : "invalid reference format";
      throw new InvalidImageReferenceError(whole, reason);
    }
  }
  const registry = hasRegistry ? (first === "index.docker.io" ? DEFAULT_REGISTRY : first) : DEFAULT_REGISTRY;
  const path =
    registry === DEFAULT_REGISTRY && pathComponents.length === 1
      ? `library/${pathComponents[0]}`
      : pathComponents.join("/");
  return { registry, path };
}

/** Whether `text` is one component of a repository path (lower-case letters and digits, single separators). */
export function isPathComponent(text: string): boolean {
  return PATH_COMPONENT.test(text);
}

/** Whether `text` is a valid tag (a word character, then up to 127 word characters, `.` or `-`). */
export function isTag(text: string): boolean {
  return TAG.test(text);
}

/** The reference written out in full: `docker.io/library/redis:7`, `quay.io/coreos/etcd@sha256:…`. */
export function formatImageReference(reference: ImageReference): string {
  const tag = reference.tag === undefined ? "" : `:${reference.tag}`;
  const digest = reference.digest === undefined ? "" : `@${reference.digest}`;
  return `${reference.registry}/${reference.path}${tag}${digest}`;
}
