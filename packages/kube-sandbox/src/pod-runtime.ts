import type { Readable, Writable } from "node:stream";

/** Options of `pods/log`, as the Kubernetes API takes them. */
export interface PodLogOptions {
  /** Container name; may be omitted when the Pod has one container. */
  container?: string;
  /** The log of the previous, terminated run of the container. */
  previous?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines written in the last N seconds. */
  sinceSeconds?: number;
  /** At most N bytes (from the start of what would be returned). */
  limitBytes?: number;
  /** Prefix each line with its RFC3339 time. */
  timestamps?: boolean;
}

/** What an exec'd command reads and writes. */
export interface ExecStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

/**
 * What the API server asks of the kubelet for the Pod subresources it cannot answer from the store.
 * Failures are thrown as `StatusError`s (404 unknown Pod, 400 no such container or no previous run).
 */
export interface PodRuntime {
  /** Container output, as `kubectl logs` shows it. */
  readLog(namespace: string, pod: string, options: PodLogOptions): string;
  /**
   * Runs `command` in the environment of the Pod's container (its env, working directory and volumes)
   * and resolves to the exit code.
   */
  exec(
    namespace: string,
    pod: string,
    container: string | undefined,
    command: string[],
    streams: ExecStreams,
  ): Promise<number>;
  /**
   * The Pod's network namespace (`ip netns` name) when it has one of its own, where port forwarding connects to
   * its `localhost` as a kubelet does; undefined for Pods on the host's network (loopback) or not yet admitted.
   */
  podNetworkNamespace?(namespace: string, pod: string): string | undefined;
}
