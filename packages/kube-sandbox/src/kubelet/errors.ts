/**
 * A container's configuration cannot be resolved yet (a Secret or ConfigMap it refers to is missing).
 * Kubernetes shows it as `waiting: CreateContainerConfigError` and retries; so does the kubelet here.
 */
export class ContainerConfigError extends Error {
  override readonly name = "ContainerConfigError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, ContainerConfigError.prototype);
  }
}

/**
 * A container's process cannot be started (no entrypoint, executable not found). Kubernetes records it
 * as `terminated: StartError` with exit code 128, and it counts as a crash.
 */
export class ContainerStartError extends Error {
  override readonly name = "ContainerStartError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, ContainerStartError.prototype);
  }
}

/** A volume of a Pod cannot be set up yet (its Secret or ConfigMap is missing); the Pod stays `ContainerCreating`. */
export class VolumeSetupError extends Error {
  override readonly name = "VolumeSetupError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, VolumeSetupError.prototype);
  }
}
