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

/** One label matcher of a series selector: `label="value"` or `label=~"regex"`. */
export interface LabelMatcher {
  label: string;
  /** Whether a series whose `label` has this value (`""` when it has none) is selected. */
  matches(value: string): boolean;
}

const SELECTOR = /\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}/g;
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g;

/**
 * The series selectors (`metric{...}`) of a PromQL expression, each as its label matchers. A regex matcher is
 * anchored at both ends, as Prometheus anchors it; the rule's patterns use only syntax that RE2 and
 * JavaScript read alike. `!=` and `!~` are refused: the shipped rule has none, and a test must not read them
 * as something else.
 */
export function seriesSelectors(expr: string): LabelMatcher[][] {
  return [...expr.matchAll(SELECTOR)].map(([, body]) =>
    [...body!.matchAll(MATCHER)].map(([, label, op, quoted]): LabelMatcher => {
      // PromQL's double-quoted strings escape like JSON's for what the rule holds (`\\.` is a regex `\.`).
      const text = JSON.parse(`"${quoted}"`) as string;
      if (op === "=") return { label: label!, matches: (value) => value === text };
      if (op === "=~") {
        const regex = new RegExp(`^(?:${text})$`);
        return { label: label!, matches: (value) => regex.test(value) };
      }
      throw new Error(`matcher ${label}${op}"${quoted}" is not read by seriesSelectors`);
    }),
  );
}

/** Whether some series selector of `expr` selects a series with these labels (a label it lacks is `""`). */
export function selectsSeries(expr: string, labels: Readonly<Record<string, string>>): boolean {
  return seriesSelectors(expr).some((matchers) => matchers.every((m) => m.matches(labels[m.label] ?? "")));
}
