import type { PodTemplate } from "./workload-types.js";

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
  const copy = structuredClone(template);
  const labels = copy.metadata?.labels;
  if (labels && POD_TEMPLATE_HASH_LABEL in labels) {
    delete labels[POD_TEMPLATE_HASH_LABEL];
  }
  return copy;
}

/** Whether two templates are the same version, ignoring the hash label (the ReplicaSet's copy has it). */
export function sameTemplate(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return stableStringify(normalise(a)) === stableStringify(normalise(b));
}

function normalise(template: PodTemplate | undefined): PodTemplate {
  const copy = withoutHashLabel(template) ?? {};
  // An empty label map and no label map are the same template.
  if (copy.metadata?.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  if (copy.metadata && Object.keys(copy.metadata).length === 0) delete copy.metadata;
  return copy;
}
