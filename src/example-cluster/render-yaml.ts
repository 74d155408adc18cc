import { stringify } from "yaml";
import type { Manifest } from "./example-cluster-options.js";

/** Objects as one multi-document YAML text, as `kubectl apply -f` reads it. */
export function renderYaml(objects: Manifest[]): string {
  // lineWidth 0: a folded `--initial-cluster` argument would be hard to read and to diff.
  return objects.map((obj) => stringify(obj, { lineWidth: 0 })).join("---\n");
}
