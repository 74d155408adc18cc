import { ResponderError } from "../errors/index.js";

/** A request named a cluster the configuration does not list. Not retryable: the request is wrong. */
export class UnknownClusterError extends ResponderError {
  /** The cluster's namespace as asked. */
  readonly namespace: string;
  /** The cluster's name as asked. */
  readonly cluster: string;

  constructor(namespace: string, cluster: string) {
    super(`cluster ${namespace}/${cluster} is not configured`, { retryable: false });
    this.namespace = namespace;
    this.cluster = cluster;
  }
}
