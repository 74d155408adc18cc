import type { StatusCause } from "../status-error.js";
import { duplicate, invalid, required } from "./field-causes.js";
import { labelProblems } from "./names.js";

/** Checks the containers of a Pod spec (a Pod's `spec`, a workload's `spec.template.spec`). */
export function validatePodSpec(spec: unknown, path: string): StatusCause[] {
  if (spec === undefined || spec === null) return [required(`${path}.containers`)];
  if (typeof spec !== "object" || Array.isArray(spec)) return [invalid(path, spec, "must be an object")];
  const causes: StatusCause[] = [];
  const containers = (spec as { containers?: unknown }).containers;
  if (containers === undefined || containers === null || (Array.isArray(containers) && containers.length === 0)) {
    return [required(`${path}.containers`)];
  }
  if (!Array.isArray(containers)) return [invalid(`${path}.containers`, containers, "must be a list")];
  causes.push(...validateContainers(containers, `${path}.containers`, true));
  const init = (spec as { initContainers?: unknown }).initContainers;
  if (Array.isArray(init)) causes.push(...validateContainers(init, `${path}.initContainers`, true));
  return causes;
}

function validateContainers(containers: unknown[], path: string, needImage: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  containers.forEach((container, i) => {
    const at = `${path}[${i}]`;
    if (container === null || typeof container !== "object" || Array.isArray(container)) {
      causes.push(invalid(at, container, "must be an object"));
      return;
    }
    const { name, image } = container as { name?: unknown; image?: unknown };
    if (typeof name !== "string" || name === "") causes.push(required(`${at}.name`));
    else {
      for (const problem of labelProblems(name)) causes.push(invalid(`${at}.name`, name, problem));
      if (seen.has(name)) causes.push(duplicate(`${at}.name`, name));
      seen.add(name);
    }
    if (needImage && (typeof image !== "string" || image.trim() === "")) causes.push(required(`${at}.image`));
  });
  return causes;
}
