/** Summary of repeated timings, in milliseconds. */
export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  p99?: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { runs: sorted.length, median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, p99: at(0.99) };
}

export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

/** A Markdown table row `| what | median | min | max |` of a summary. */
export function summaryRow(what: string, summary: Summary): string {
  return `| ${what} | ${ms(summary.median)} | ${ms(summary.min)} | ${ms(summary.max)} |`;
}
