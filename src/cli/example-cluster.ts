import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  DEFAULT_ETCD_IMAGE,
  ExampleClusterOptionsError,
  generateExampleCluster,
  renderYaml,
  type ExampleClusterOptions,
  memberDeploymentName,
} from "./example-cluster-manifests.js";
import { generateExampleStatefulSet, type ExampleStatefulSetOptions } from "./example-statefulset-manifests.js";
import { stringify } from "yaml";

/**
 * Prints (or writes to --out) the example etcd cluster's manifests: one Deployment and one Service per member, or
 * one StatefulSet with its Services.
 */
export function exampleClusterCommand(argv: string[]): Promise<number> {
  return Promise.resolve(runGenerateExample(argv, { stdout: process.stdout, stderr: process.stderr }));
}

/** Where the subcommand writes; `process` fits. */
export interface CliOutput {
  /** Receives the YAML (without `--out`) or the names of the files written. */
  stdout: { write(text: string): unknown };
  /** Receives usage and error messages. */
  stderr: { write(text: string): unknown };
}

const COMMAND = "etcd-responder example-cluster";

const USAGE = `Usage: ${COMMAND} --name NAME [--members N] [--workload deployment|statefulset] [--namespace NS]
         [--image IMAGE] [--tls-secret SECRET] [--out DIR]

Writes an etcd cluster of N members: with --workload deployment, each member a Service NAMEN and a Deployment
NAME-N with ephemeral storage; with --workload statefulset, a StatefulSet NAME (Pods NAME-0..NAME-(N-1), each on
a PersistentVolumeClaim data-NAME-I), its headless Service NAME-headless and a client Service NAME.

  --name NAME          cluster name; member Services are NAME1..NAMEN, Deployments NAME-1..NAME-N
  --members N          number of members, 1 to 9 (default 5)
  --workload KIND      deployment (default): one Deployment per member; statefulset: one StatefulSet,
                       configured by ETCD_* variables, members reached at POD.NAME-headless.NS.svc
  --namespace NS       write this namespace into every object (default none: they go where applied)
  --image IMAGE        etcd image (default "${DEFAULT_ETCD_IMAGE}")
  --tls-secret SECRET  serve clients over TLS with client-certificate auth, using Secret SECRET
                       (tls.crt, tls.key, ca.crt)
  --out DIR            write DIR/NAME-N.yaml per member (statefulset: DIR/NAME.yaml) and DIR/Kustomization
                       instead of printing all YAML to standard output
`;

/** The layouts `--workload` chooses from. */
const WORKLOADS = ["deployment", "statefulset"] as const;

/**
 * The `example-cluster` subcommand; `argv` holds the arguments after the subcommand's name.
 * Returns the exit code: 0 done, 1 the files could not be written, 2 bad usage.
 */
export function runGenerateExample(argv: string[], out: CliOutput): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        name: { type: "string" },
        members: { type: "string", default: "5" },
        workload: { type: "string", default: "deployment" },
        namespace: { type: "string" },
        image: { type: "string" },
        "tls-secret": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    return usageError(out, (err as Error).message);
  }
  if (values.help) {
    out.stdout.write(USAGE);
    return 0;
  }
  if (values.name === undefined) return usageError(out, "--name is required");
  if (!/^\d+$/.test(values.members))
    return usageError(out, `--members must be a whole number, got ${JSON.stringify(values.members)}`);

  const workload = values.workload;
  if (workload !== "deployment" && workload !== "statefulset") {
    return usageError(out, `--workload must be ${WORKLOADS.join(" or ")}, got ${JSON.stringify(workload)}`);
  }

  const shared = {
    name: values.name,
    members: Number(values.members),
    namespace: values.namespace,
    image: values.image,
    tls: values["tls-secret"] === undefined ? undefined : { secretName: values["tls-secret"] },
  };
  const options = { ...shared, addressing: { kind: "service-dns" as const } };
  try {
    if (values.out === undefined) {
      const objects = workload === "statefulset" ? generateExampleStatefulSet(shared) : generateExampleCluster(options);
      out.stdout.write(renderYaml(objects));
      return 0;
    }
    const files = workload === "statefulset" ? exampleStatefulSetFiles(shared) : exampleClusterFiles(options);
    mkdirSync(values.out, { recursive: true });
    for (const file of files) {
      const path = join(values.out, file.name);
      writeFileSync(path, file.content);
      out.stdout.write(`wrote ${path}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ExampleClusterOptionsError) return usageError(out, err.message);
    out.stderr.write(`${COMMAND}: ${(err as Error).message}\n`);
    return 1;
  }
}

function usageError(out: CliOutput, message: string): number {
  out.stderr.write(`${COMMAND}: ${message} (see --help)\n`);
  return 2;
}

/** One file of a generated example cluster directory. */
export interface ExampleClusterFile {
  /** File name without directory: `example-3.yaml`, `Kustomization`. */
  name: string;
  /** Full text of the file. */
  content: string;
}

const HEADER = "# Generated by `etcd-responder example-cluster`: regenerate it rather than edit it.\n";

/**
 * The files of an example cluster directory: `NAME-N.yaml` (the member's Service and Deployment) for
 * each member, and a `Kustomization` listing them so `kubectl apply -k` takes the whole cluster. The
 * kustomization's file name has no extension, so `kubectl apply -f DIR` skips it and applies the members.
 */
export function exampleClusterFiles(options: ExampleClusterOptions): ExampleClusterFile[] {
  const objects = generateExampleCluster(options);
  const files: ExampleClusterFile[] = [];
  for (let index = 1; index <= options.members; index++) {
    const service = objects[2 * (index - 1)];
    const deployment = objects[2 * (index - 1) + 1];
    if (!service || !deployment) throw new RangeError(`member ${index} was not generated`);
    files.push({
      name: `${memberDeploymentName(options.name, index)}.yaml`,
      content: HEADER + renderYaml([service, deployment]),
    });
  }
  return [...files, kustomizationFile(files)];
}

/**
 * The files of an example StatefulSet directory: `NAME.yaml` (both Services and the StatefulSet) and a
 * `Kustomization` naming it, as `exampleClusterFiles` writes them.
 */
export function exampleStatefulSetFiles(options: ExampleStatefulSetOptions): ExampleClusterFile[] {
  const file = { name: `${options.name}.yaml`, content: HEADER + renderYaml(generateExampleStatefulSet(options)) };
  return [file, kustomizationFile([file])];
}

/** `Kustomization`, listing `files` so that `kubectl apply -k` takes them all. */
function kustomizationFile(files: ExampleClusterFile[]): ExampleClusterFile {
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: files.map((f) => f.name),
  };
  return { name: "Kustomization", content: HEADER + stringify(kustomization) };
}
