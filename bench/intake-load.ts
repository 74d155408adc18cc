import autocannon from "autocannon";

/** What one autocannon run measured. */
export interface LoadFigures {
  /** Mean requests per second over the run. */
  requestsPerSecond: number;
  /** Median latency, ms. */
  p50: number;
  /** 99th percentile latency, ms. */
  p99: number;
  /** Requests answered. */
  requests: number;
  /** Answers that were not 2xx. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

/** Runs autocannon with `options` and resolves with its raw result. */
export function runAutocannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error: Error | null, result: autocannon.Result) => (error ? reject(error) : resolve(result)));
  });
}

/** The figures of an autocannon result that the benchmarks report. */
export function loadFigures(result: autocannon.Result): LoadFigures {
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
