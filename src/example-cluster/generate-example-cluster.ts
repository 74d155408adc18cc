import type { Manifest, ExampleClusterOptions } from "./example-cluster-options.js";
import { memberDeployment } from "./member-deployment.js";
import { memberService } from "./member-service.js";
import { validateExampleClusterOptions } from "./validate-example-cluster-options.js";

export type { ExampleClusterOptions, MemberAddressing } from "./example-cluster-options.js";
export { DEFAULT_ETCD_IMAGE } from "./example-cluster-options.js";
export { ExampleClusterOptionsError } from "./example-cluster-options-error.js";
export { memberDeploymentName, memberServiceName } from "./member-names.js";
export { renderYaml } from "./render-yaml.js";

/**
 * The objects of an etcd cluster with one Deployment per member, as the recovery expects it:
 * for each member, its Service then its Deployment. Throws `ExampleClusterOptionsError` on bad options.
 */
export function generateExampleCluster(options: ExampleClusterOptions): Manifest[] {
  const o = validateExampleClusterOptions(options);
  const objects: Manifest[] = [];
  for (let index = 1; index <= o.members; index++) {
    objects.push(memberService(o, index), memberDeployment(o, index));
  }
  return objects;
}
