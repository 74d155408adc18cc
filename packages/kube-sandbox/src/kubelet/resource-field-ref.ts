import type { KubeObject } from "../api/object-store.js";
import { ContainerConfigError } from "./errors.js";
import { podSpecOf, type ResourceFieldSelector } from "./pod-spec.js";
import { ceilDivide, parseQuantity, quantityMilliValue, quantityValue, type Quantity } from "./resource-quantity.js";

/** Resources whose missing or zero limit is the node's allocatable, as the kubelet merges them. */
const NODE_BOUNDED = ["cpu", "memory", "ephemeral-storage"];

type ResourceList = Readonly<Record<string, string | number>>;

/**
 * The value of a `resourceFieldRef` (the downward API), e.g. `limits.memory` with divisor `1Mi`: the named
 * container's resource (`containerName`, or `defaultContainer` when it names none), divided by `divisor`
 * (default 1) and rounded up; CPU counts in thousandths first, as Kubernetes counts it. A request not given
 * is the limit (the API server's defaulting); a limit not given, or zero, of CPU, memory or
 * ephemeral-storage is the node's `allocatable`. Throws `ContainerConfigError` for an unknown container or
 * resource.
 */
export function resolveResourceFieldRef(
  pod: KubeObject,
  selector: ResourceFieldSelector,
  defaultContainer: string,
  allocatable: ResourceList,
): string {
  const name = selector.containerName || defaultContainer;
  const spec = podSpecOf(pod);
  const container = [...spec.containers, ...spec.initContainers].find((c) => c.name === name);
  if (!container) throw new ContainerConfigError(`container ${name} not found`);
  const limits: Record<string, string | number> = { ...container.resources?.limits };
  const requests = { ...limits, ...container.resources?.requests };
  for (const resource of NODE_BOUNDED) {
    const limit = limits[resource];
    const nodeValue = allocatable[resource];
    const unset = limit === undefined || parseQuantity(limit).numerator === 0n;
    if (unset && nodeValue !== undefined) limits[resource] = nodeValue;
  }
  const [kind, resource = ""] = splitSelector(selector.resource);
  const list = kind === "limits" ? limits : kind === "requests" ? requests : undefined;
  const known = resource === "cpu" || resource === "memory" || resource === "ephemeral-storage";
  if (!list || !(known || resource.startsWith("hugepages-"))) {
    throw new ContainerConfigError(`unsupported container resource : ${selector.resource}`);
  }
  const amount = parseQuantity(list[resource] ?? 0);
  const divisor = divisorOf(selector.divisor);
  return resource === "cpu"
    ? String(ceilDivide(quantityMilliValue(amount), quantityMilliValue(divisor)))
    : String(ceilDivide(quantityValue(amount), quantityValue(divisor)));
}

/** `limits.cpu` → `["limits", "cpu"]`. */
function splitSelector(resource: string): [string, string?] {
  const dot = resource.indexOf(".");
  return dot < 0 ? [resource] : [resource.slice(0, dot), resource.slice(dot + 1)];
}

/** The divisor, 1 when it is missing or zero. */
function divisorOf(divisor: string | number | undefined): Quantity {
  const parsed = divisor === undefined ? undefined : parseQuantity(divisor);
  if (parsed && parsed.numerator < 0n) throw new ContainerConfigError(`invalid divisor ${String(divisor)}`);
  return parsed && parsed.numerator !== 0n ? parsed : { numerator: 1n, denominator: 1n };
}
