import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { repoRoot } from "./tools.js";

/** The shipped Prometheus rules file with the crash-loop alert. */
export const DEPLOY_RULE_FILE = join(repoRoot, "deploy/prometheus/etcd-crashloop-rule.yaml");

/** A Prometheus rules file, as far as the tests look into it. */
export interface RulesFile {
  groups: { name: string; rules: { alert?: string; expr: string; for?: string; [key: string]: unknown }[] }[];
}

/**
 * The shipped rules with every `for:` set to `0s` and nothing else changed, so an alert fires on the
 * first evaluation that sees a crash loop instead of a minute later. The expression is kept as shipped:
 * it names namespace `default` and Pods `example-N-...`, which is what the sandbox runs by default.
 */
export function withoutPendingPeriod(rules: RulesFile): RulesFile {
  return {
    groups: rules.groups.map((group) => ({ ...group, rules: group.rules.map((rule) => ({ ...rule, for: "0s" })) })),
  };
}

/** The shipped rules file, parsed. */
export async function readDeployRules(): Promise<RulesFile> {
  return parse(await readFile(DEPLOY_RULE_FILE, "utf8")) as RulesFile;
}

/** YAML text of a rules file, for Prometheus's `rule_files`. */
export function renderRules(rules: RulesFile): string {
  return stringify(rules);
}
