import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ETCD_IMAGE } from "./example-cluster-options.js";
import { ExampleClusterOptionsError } from "./example-cluster-options-error.js";
import { exampleClusterFiles } from "./example-cluster-files.js";
import { generateExampleCluster } from "./generate-example-cluster.js";
import { renderYaml } from "./render-yaml.js";

/** Where the subcommand writes; `process` fits. */
export interface CliOutput {
  /** Receives the YAML (without `--out`) or the names of the files written. */
  stdout: { write(text: string): unknown };
  /** Receives usage and error messages. */
  stderr: { write(text: string): unknown };
}

const COMMAND = "etcd-responder example-cluster";

const USAGE = `Usage: ${COMMAND} --name NAME [--members N] [--namespace NS] [--image IMAGE] [--tls-secret SECRET] [--out DIR]

Writes an etcd cluster of N members, each a Service NAMEN and a Deployment NAME-N with ephemeral storage.

  --name NAME          cluster name; member Services are NAME1..NAMEN, Deployments NAME-1..NAME-N
  --members N          number of members, 1 to 9 (default 5)
  --namespace NS       namespace of every object (default "default")
  --image IMAGE        etcd image (default "${DEFAULT_ETCD_IMAGE}")
  --tls-secret SECRET  serve clients over TLS with client-certificate auth, using Secret SECRET
                       (tls.crt, tls.key, ca.crt)
  --out DIR            write DIR/NAME-N.yaml per member and DIR/kustomization.yaml
                       instead of printing all YAML to standard output
`;

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
        namespace: { type: "string", default: "default" },
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

  const options = {
    name: values.name,
    members: Number(values.members),
    namespace: values.namespace,
    image: values.image,
    addressing: { kind: "service-dns" as const },
    tls: values["tls-secret"] === undefined ? undefined : { secretName: values["tls-secret"] },
  };
  try {
    if (values.out === undefined) {
      out.stdout.write(renderYaml(generateExampleCluster(options)));
      return 0;
    }
    const files = exampleClusterFiles(options);
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
