import { stringify } from "yaml";
import type { KubeObject } from "../sandbox/api/object-store.js";

/** Objects as one multi-document YAML text, as `kubectl apply -f` reads it. */
export function renderYaml(objects: KubeObject[]): string {
  // lineWidth 0: a folded `--initial-cluster` argument would be hard to read and to diff.
  return objects.map((obj) => stringify(obj, { lineWidth: 0 })).join("---\n");
}
