import { matchesRequirements, requirementsOf, type LabelSelectorSpec } from "../label-selector.js";
import type { KubeObject } from "../object-store.js";
import type { StatusCause } from "../status-error.js";
import { invalid, notSupported, required } from "./field-causes.js";
import { validatePodSpec } from "./validate-pod-spec.js";

const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

/**
 * Checks a Deployment, ReplicaSet or StatefulSet: replicas, a selector that is set and matches
 * the template's labels, and the template's containers.
 */
export function validateWorkload(obj: KubeObject): StatusCause[] {
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (spec === undefined || spec === null || typeof spec !== "object") return [required("spec")];
  const causes: StatusCause[] = [];
  const replicas = spec.replicas;
  if (replicas !== undefined && replicas !== null) {
    if (typeof replicas !== "number" || !Number.isInteger(replicas))
      causes.push(invalid("spec.replicas", replicas, "must be an integer"));
    else if (replicas < 0) causes.push(invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
  }

  const template = spec.template as { metadata?: { labels?: Record<string, string> }; spec?: unknown } | undefined;
  const selector = spec.selector as LabelSelectorSpec | undefined;
  if (selector === undefined || selector === null) {
    causes.push(required("spec.selector"));
  } else if (typeof selector !== "object" || Array.isArray(selector)) {
    causes.push(invalid("spec.selector", selector, "must be a label selector"));
  } else if (selector.matchExpressions !== undefined && !Array.isArray(selector.matchExpressions)) {
    causes.push(invalid("spec.selector.matchExpressions", selector.matchExpressions, "must be a list"));
  } else if (
    selector.matchLabels !== undefined &&
    (selector.matchLabels === null || typeof selector.matchLabels !== "object")
  ) {
    causes.push(invalid("spec.selector.matchLabels", selector.matchLabels, "must be a map of strings"));
  } else {
    const expressions = selector.matchExpressions ?? [];
    expressions.forEach((e, i) => {
      if (!OPERATORS.includes(e?.operator))
        causes.push(notSupported(`spec.selector.matchExpressions[${i}].operator`, e?.operator, OPERATORS));
    });
    const requirements = requirementsOf(selector);
    if (requirements.length === 0) {
      causes.push(invalid("spec.selector", selector, `empty selector is invalid for ${obj.kind.toLowerCase()}`));
    } else if (!matchesRequirements(template?.metadata?.labels, requirements)) {
      causes.push(
        invalid(
          "spec.template.metadata.labels",
          template?.metadata?.labels ?? {},
          "`selector` does not match template `labels`",
        ),
      );
    }
  }
  if (template === undefined || template === null) causes.push(required("spec.template"));
  else causes.push(...validatePodSpec(template.spec, "spec.template.spec"));
  return causes;
}
