/** Whether two peer URLs name the same endpoint (case of scheme and host, a trailing slash ignored). */
export function samePeerURL(a: string, b: string): boolean {
  return normalize(a) === normalize(b);
}

function normalize(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
  } catch {
    return url.trim().replace(/\/+$/, "").toLowerCase();
  }
}
