/** Deployment of member `index` of cluster `cluster`: `example-3`. Its Pods are `example-3-<hash>-<suffix>`. */
export function memberDeploymentName(cluster: string, index: number): string {
  return `${cluster}-${index}`;
}

/** Service of member `index`, which is also the member's etcd name and host name: `example3`. */
export function memberServiceName(cluster: string, index: number): string {
  return `${cluster}${index}`;
}
