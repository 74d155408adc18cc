import { StatusError } from "./status-error.js";

/** One requirement of a label selector: `key in (a,b)`, `key!=a`, `key`, `!key`. */
export interface LabelRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values: string[];
}

/** A `metav1.LabelSelector` as objects carry it (Deployment and ReplicaSet `spec.selector`). */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export type Labels = Record<string, string> | undefined;

/**
 * Parses the `labelSelector` query parameter (`a=b,c!=d,e in (f,g),!h`).
 * Throws a 400 `StatusError` naming the bad part.
 */
export function parseLabelSelector(text: string | undefined): LabelRequirement[] {
  if (!text || !text.trim()) return [];
  const out: LabelRequirement[] = [];
  for (const part of splitTopLevel(text)) {
    const term = part.trim();
    if (!term) continue;
    let match: RegExpMatchArray | null;
    if ((match = term.match(/^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = (match[3] ?? "")
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
      out.push({ key: match[1]!, operator: match[2] === "in" ? "In" : "NotIn", values });
    } else if ((match = term.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/))) {
      out.push({ key: match[1]!, operator: match[2] === "!=" ? "NotIn" : "In", values: [match[3] ?? ""] });
    } else if ((match = term.match(/^!\s*([\w./-]+)$/))) {
      out.push({ key: match[1]!, operator: "DoesNotExist", values: [] });
    } else if ((match = term.match(/^([\w./-]+)$/))) {
      out.push({ key: match[1]!, operator: "Exists", values: [] });
    } else {
      throw StatusError.badRequest(`unable to parse requirement: "${term}" is not a valid label selector term`);
    }
  }
  return out;
}

/** Requirements of a `spec.selector`; an empty selector matches everything. */
export function requirementsOf(selector: LabelSelectorSpec | undefined): LabelRequirement[] {
  if (!selector) return [];
  const fromLabels = Object.entries(selector.matchLabels ?? {}).map(([key, value]): LabelRequirement => ({
    key,
    operator: "In",
    values: [value],
  }));
  const fromExpressions = (selector.matchExpressions ?? []).map((e): LabelRequirement => ({
    key: e.key,
    operator: e.operator as LabelRequirement["operator"],
    values: e.values ?? [],
  }));
  return [...fromLabels, ...fromExpressions];
}

export function matchesRequirements(labels: Labels, requirements: LabelRequirement[]): boolean {
  const have = labels ?? {};
  return requirements.every((r) => {
    const present = Object.prototype.hasOwnProperty.call(have, r.key);
    switch (r.operator) {
      case "In":
        return present && r.values.includes(have[r.key]!);
      case "NotIn":
        return !present || !r.values.includes(have[r.key]!);
      case "Exists":
        return present;
      case "DoesNotExist":
        return !present;
      default:
        return false;
    }
  });
}

/** Whether `labels` match a `spec.selector` (Deployment, ReplicaSet) or a Service's plain map selector. */
export function selectorMatches(
  selector: LabelSelectorSpec | Record<string, string> | undefined,
  labels: Labels,
): boolean {
  if (!selector) return false;
  const spec: LabelSelectorSpec =
    "matchLabels" in selector || "matchExpressions" in selector
      ? selector
      : { matchLabels: selector as Record<string, string> };
  const requirements = requirementsOf(spec);
  return requirements.length > 0 && matchesRequirements(labels, requirements);
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth += 1;
    if (ch === ")") depth -= 1;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

/**
 * A `spec.selector` as selector text (`app=x,tier in (a,b)`), requirements sorted by key as
 * Kubernetes prints them (Scale `status.selector`, `kubectl get -o wide`).
 */
export function formatLabelSelector(selector: LabelSelectorSpec | undefined): string {
  return requirementsOf(selector)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case "In":
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${[...r.values].sort().join(",")})`;
        case "NotIn":
          return `${r.key} notin (${[...r.values].sort().join(",")})`;
        case "Exists":
          return r.key;
        case "DoesNotExist":
          return `!${r.key}`;
        default:
          return `${r.key} ${String(r.operator)} (${r.values.join(",")})`;
      }
    })
    .join(",");
}
