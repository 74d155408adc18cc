/** Fetches a Prometheus endpoint (`/metrics`) and resolves with its text; rejects after `timeoutMs`. */
export async function scrape(url: string, timeoutMs = 10_000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

/** The value of the first sample of metric `name` in a Prometheus text exposition; throws when there is none. */
export function sampleValue(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`the metrics have no ${name}`);
  return Number(line.split(" ").at(-1));
}
