/** One time series: its labels and current value. */
export interface Sample {
  /** Label names to values, written in this order. */
  labels: Record<string, string>;
  value: number;
}

/** A metric family as the Prometheus text format 0.0.4 writes it: HELP, TYPE, then its samples. */
export interface MetricFamily {
  /** Metric name, e.g. `kube_pod_status_phase`. */
  name: string;
  /** One line saying what the metric measures. */
  help: string;
  type: "gauge" | "counter";
  samples: Sample[];
}

/** Content type of the Prometheus text exposition format. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Renders families in the text exposition format; every family keeps its HELP and TYPE lines, even when empty. */
export function renderFamilies(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples)
      lines.push(`${family.name}${renderLabels(sample.labels)} ${renderValue(sample.value)}`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

function renderLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes backslash and line feed only. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
