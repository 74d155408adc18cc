import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { helmPath, repoRoot } from "./tools.js";

/** The chart folder. */
export const CHART_DIR = join(repoRoot, "chart");

/** The `chart/ci/*-values.yaml` files, as paths relative to the repository. */
export const CI_VALUES_FILES = readdirSync(join(CHART_DIR, "ci"))
  .filter((name) => name.endsWith("-values.yaml"))
  .sort()
  .map((name) => `chart/ci/${name}`);

/** A rendered Kubernetes object, as plain data. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the pinned helm in the repository root; never throws for a non-zero exit. With `stateDir`, helm
 * keeps its cache, configuration and data there rather than in the user's home. It is killed after
 * `timeoutMs` (default 30 s).
 */
export async function runHelm(args: string[], stateDir?: string, timeoutMs = 30_000): Promise<HelmRun> {
  const env = stateDir
    ? {
        ...process.env,
        HELM_CACHE_HOME: join(stateDir, "cache"),
        HELM_CONFIG_HOME: join(stateDir, "config"),
        HELM_DATA_HOME: join(stateDir, "data"),
      }
    : process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(helmPath, args, {
      cwd: repoRoot,
      env,
      maxBuffer: 32 * 1024 * 1024,
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : 1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? String(error),
    };
  }
}

export interface RenderOptions {
  /** Values files, relative to the repository. */
  values?: string[];
  /** `--set` assignments. */
  set?: string[];
  /** `--set-json` assignments (`key=<JSON>`), for values such as a list of objects. */
  setJson?: string[];
  release?: string;
  namespace?: string;
}

/** `helm template` of the chart, parsed; throws with helm's message when it fails. */
export async function renderChart(options: RenderOptions = {}): Promise<KubeObject[]> {
  const args = [
    "template",
    options.release ?? "etcd-responder",
    "chart",
    "--namespace",
    options.namespace ?? "etcd-responder",
  ];
  for (const file of options.values ?? []) args.push("--values", file);
  for (const setting of options.set ?? []) args.push("--set", setting);
  for (const setting of options.setJson ?? []) args.push("--set-json", setting);
  const run = await runHelm(args);
  if (run.code !== 0) throw new Error(`helm ${args.join(" ")} failed: ${run.stderr}`);
  return parseObjects(run.stdout);
}

/** The objects of a multi-document YAML text; empty documents are skipped. */
export function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0]!.message}`);
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null && typeof object === "object");
}

/** The one object of `kind` named `name` (optionally of `apiVersion`); throws naming what is there otherwise. */
export function findObject(objects: KubeObject[], kind: string, name: string, apiVersion?: string): KubeObject {
  const found = objects.filter(
    (o) => o.kind === kind && o.metadata.name === name && (!apiVersion || o.apiVersion === apiVersion),
  );
  if (found.length !== 1) {
    const present = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ");
    throw new Error(`expected one ${kind} ${name}, found ${found.length} among ${present}`);
  }
  return found[0]!;
}

/** Every object of `kind`. */
export function objectsOfKind(objects: KubeObject[], kind: string, apiVersion?: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind && (!apiVersion || o.apiVersion === apiVersion));
}

/** A field path read without ceremony: `at(obj, "spec", "template", "spec")`. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The parts of a container the checks read. */
export interface ContainerLike {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
}

/** The parts of a Pod spec the checks read. */
export interface PodSpecLike {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
}

/** A Pod spec found in a rendered object. */
export interface RenderedPodSpec {
  /** `Kind/name` of the object that holds it. */
  owner: string;
  object: KubeObject;
  spec: PodSpecLike;
  /** Its Pods' `app.kubernetes.io/component` label. */
  component: string | undefined;
  /** A Knative Service's template, where the container carries what is elsewhere in the Pod's security context. */
  knative: boolean;
}

/** Every Pod spec of the rendered objects: Deployments, StatefulSets, Pods and Knative Services. */
export function podSpecs(objects: KubeObject[]): RenderedPodSpec[] {
  const found: RenderedPodSpec[] = [];
  for (const object of objects) {
    const owner = `${object.kind}/${object.metadata.name}`;
    const knative = object.apiVersion === "serving.knative.dev/v1";
    let template: unknown;
    if (object.kind === "Pod") template = { metadata: object.metadata, spec: object.spec };
    else if (["Deployment", "StatefulSet"].includes(object.kind) || knative) template = at(object, "spec", "template");
    else continue;
    const labels = at(template, "metadata", "labels") as Record<string, string> | undefined;
    found.push({
      owner,
      object,
      spec: at(template, "spec") as PodSpecLike,
      component: labels?.["app.kubernetes.io/component"],
      knative,
    });
  }
  return found;
}

/** Pod specs of the responder itself (receiver, worker or all), not of Redis or the test Pod. */
export function responderPodSpecs(objects: KubeObject[]): RenderedPodSpec[] {
  return podSpecs(objects).filter((p) => ["receiver", "worker", "all"].includes(p.component ?? ""));
}

/** A security setting from the container, else from the Pod (the container's wins, as in Kubernetes). */
export function effectiveSecurity(pod: PodSpecLike, container: ContainerLike, field: string): unknown {
  return container.securityContext?.[field] ?? pod.securityContext?.[field];
}

/** The value of an environment variable given as a literal; undefined when absent or taken from elsewhere. */
export function envValue(container: ContainerLike, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}
