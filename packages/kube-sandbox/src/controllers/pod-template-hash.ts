import type { PodTemplate } from "./workload-types.js";
import { cloneJson } from "../api/patch/json-value.js";

/** Characters Kubernetes uses for names it generates; no vowels, so no words. */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** Label that ties a ReplicaSet and its pods to one version of a Deployment's pod template. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** 32-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * Maps every character of `text` into the safe alphabet, as Kubernetes renders the decimal
 * digits of a hash; the result has the length of the input.
 */
export function safeEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) out += SAFE_ALPHABET[byte % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted at every level, so equal templates hash equally whatever their key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item ?? null)).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The `pod-template-hash` of a pod template: FNV-1a of the template (and the Deployment's
 * `collisionCount`, which moves the hash when a name is already taken), rendered in 8 to 10
 * characters of the safe alphabet.
 */
export function podTemplateHash(template: PodTemplate | undefined, collisionCount?: number): string {
  let text = stableStringify(withoutHashLabel(template) ?? {});
  if (collisionCount !== undefined) text += `#${collisionCount}`;
  return safeEncode(String(fnv32a(text)).padStart(8, "0"));
}

/** The template without the `pod-template-hash` label, as the Deployment itself carries it. */
function withoutHashLabel(template: PodTemplate | undefined): PodTemplate | undefined {
  if (!template) return template;
  const copy = cloneJson(template);
  const labels = copy.metadata?.labels;
  if (labels && POD_TEMPLATE_HASH_LABEL in labels) {
    delete labels[POD_TEMPLATE_HASH_LABEL];
  }
  return copy;
}

/**
 * Whether two templates are the same version, ignoring the hash label (the ReplicaSet's copy has it) and
 * fields that say nothing: Kubernetes compares decoded templates, in which `creationTimestamp: null` or
 * `resources: {}` (as `kubectl rollout undo` sends them) are the same as no such field.
 */
export function sameTemplate(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return (
    stableStringify(withoutEmptyFields(withoutHashLabel(a))) ===
    stableStringify(withoutEmptyFields(withoutHashLabel(b)))
  );
}

/** `value` without null fields and without object fields that are (or become) empty; list items are kept. */
function withoutEmptyFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyFields);
  if (value === null || typeof value !== "object") return value;
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const cleaned = withoutEmptyFields(field);
    if (cleaned === null || cleaned === undefined) continue;
    if (typeof cleaned === "object" && !Array.isArray(cleaned) && Object.keys(cleaned).length === 0) continue;
    kept[key] = cleaned;
  }
  return kept;
}
