import { runGenerateExample } from "../../example-cluster/cli-generate.js";

export const EXAMPLE_CLUSTER_USAGE =
  "etcd-responder example-cluster --name NAME --members N [--namespace NS] [--image IMAGE] [--tls-secret SECRET] [--out DIR]";

/** Prints (or writes to --out) the example etcd cluster's manifests: one Deployment and one Service per member. */
export async function exampleClusterCommand(argv: string[]): Promise<number> {
  return runGenerateExample(argv, { stdout: process.stdout, stderr: process.stderr });
}
