import type { ImageCatalog, ImageConfig } from "../images/image-catalog.js";
import { formatImageReference, InvalidImageReferenceError, parseImageReference } from "../images/image-reference.js";

/** Why a container's image cannot be had, as its `state.waiting.reason` says. */
export type ImagePullFailure = "ErrImagePull" | "InvalidImageName";

/**
 * A container's image is not in the sandbox's image catalog (`ErrImagePull`, retried with back-off) or its
 * reference is malformed (`InvalidImageName`, not retried).
 */
export class ImagePullError extends Error {
  override readonly name = "ImagePullError";

  constructor(
    /** The waiting reason the container shows. */
    readonly reason: ImagePullFailure,
    message: string,
  ) {
    super(message);
    Object.setPrototypeOf(this, ImagePullError.prototype);
  }
}

/**
 * "Pulls" a container's image: its configuration from the catalog. A container without `image` (only
 * possible when the kubelet is driven without the API server, which requires one) has no image to pull.
 * Throws `ImagePullError`.
 */
export function pullImage(catalog: ImageCatalog, image: string | undefined): ImageConfig | undefined {
  if (image === undefined || image === "") return undefined;
  let reference;
  try {
    reference = parseImageReference(image);
  } catch (error) {
    if (!(error instanceof InvalidImageReferenceError)) throw error;
    throw new ImagePullError("InvalidImageName", `Failed to apply default image tag "${image}": ${error.message}`);
  }
  const config = catalog.find(reference);
  if (config) return config;
  throw new ImagePullError(
    "ErrImagePull",
    `Failed to pull image "${image}": ${formatImageReference(reference)}: not found in the sandbox's image catalog`,
  );
}

/** The `waiting.message` of a container in ImagePullBackOff. */
export function imagePullBackOffMessage(image: string): string {
  return `Back-off pulling image "${image}"`;
}

/**
 * How long a container waits before its image is pulled again: base, 2×base, 4×base … up to 30×base after
 * each failed pull (Kubernetes: base 10 s, cap 5 min).
 */
export class ImagePullBackoff {
  private failures = 0;

  constructor(private readonly baseMs: number) {
    if (!(baseMs > 0)) throw new RangeError(`back-off base must be a positive number of milliseconds, got ${baseMs}`);
  }

  /** Records a failed pull and returns the back-off before the next one. */
  nextDelay(): number {
    this.failures += 1;
    return Math.min(this.baseMs * 2 ** (this.failures - 1), 30 * this.baseMs);
  }
}
