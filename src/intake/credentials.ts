import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthSettings } from "./auth.js";

/**
 * Compares two secrets in constant time. Both are hashed first so the comparison never depends on, or
 * reveals, the expected secret's length.
 */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** True when the `Authorization` header carries the configured bearer token or basic credentials. */
export function credentialsAccepted(settings: AuthSettings, header: string | undefined): boolean {
  if (settings.token === undefined && settings.basic === undefined) return settings.insecureNoAuth;
  const parsed = parseAuthorization(header);
  if (!parsed) return false;
  if (parsed.scheme === "bearer") return settings.token !== undefined && secretsEqual(parsed.credentials, settings.token);
  if (settings.basic === undefined) return false;
  const decoded = Buffer.from(parsed.credentials, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  // Both halves are compared every time, so the timing does not tell a right user name from a wrong one.
  const userMatches = secretsEqual(decoded.slice(0, colon), settings.basic.username);
  const passwordMatches = secretsEqual(decoded.slice(colon + 1), settings.basic.password);
  return userMatches && passwordMatches;
}

/** The scheme (lowercase) and credentials of an `Authorization` header, or undefined when it has another form. */
export function parseAuthorization(header: string | undefined): { scheme: "bearer" | "basic"; credentials: string } | undefined {
  const match = /^\s*(bearer|basic)\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return undefined;
  return { scheme: (match[1] ?? "").toLowerCase() as "bearer" | "basic", credentials: match[2] ?? "" };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
