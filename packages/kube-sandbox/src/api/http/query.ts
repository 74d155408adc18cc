import { StatusError } from "../status-error.js";

/** `true`/`1` as Kubernetes reads boolean query parameters. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === "true" || value === "1";
}

/** An integer query parameter, or undefined when absent; 400 when it is not an integer. */
export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) throw StatusError.badRequest(`invalid value for ${name}: "${value}" is not an integer`);
  return Number(value);
}

/** Whether the request asks for a dry run (`dryRun=All`); any other value is refused as Kubernetes does. */
export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll("dryRun");
  if (values.length === 0) return false;
  for (const value of values) {
    if (value !== "All") throw StatusError.badRequest(`invalid dry run option "${value}": only "All" is supported`);
  }
  return true;
}
