import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthSettings } from "./auth.js";

/** Says whether an `Authorization` header carries the configured credentials. */
export type CredentialsCheck = (header: string | undefined) => boolean;

/**
 * The check of the configured bearer token or basic credentials. Secrets are compared as SHA-256 digests
 * in constant time, so the comparison never depends on, or reveals, the expected secret's length; the
 * expected ones are hashed once here.
 */
export function credentialsCheck(settings: AuthSettings): CredentialsCheck {
  if (settings.token === undefined && settings.basic === undefined) return () => settings.insecureNoAuth;
  const token = settings.token !== undefined ? digest(settings.token) : undefined;
  const basic =
    settings.basic !== undefined
      ? { username: digest(settings.basic.username), password: digest(settings.basic.password) }
      : undefined;
  return (header) => {
    const parsed = parseAuthorization(header);
    if (!parsed) return false;
    if (parsed.scheme === "bearer") return token !== undefined && timingSafeEqual(digest(parsed.credentials), token);
    if (basic === undefined) return false;
    const decoded = Buffer.from(parsed.credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    // Both halves are compared every time, so the timing does not tell a right user name from a wrong one.
    const userMatches = timingSafeEqual(digest(decoded.slice(0, colon)), basic.username);
    const passwordMatches = timingSafeEqual(digest(decoded.slice(colon + 1)), basic.password);
    return userMatches && passwordMatches;
  };
}

/** The scheme (lowercase) and credentials of an `Authorization` header, or undefined when it has another form. */
export function parseAuthorization(
  header: string | undefined,
): { scheme: "bearer" | "basic"; credentials: string } | undefined {
  const match = /^\s*(bearer|basic)\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return undefined;
  return { scheme: (match[1] ?? "").toLowerCase() as "bearer" | "basic", credentials: match[2] ?? "" };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
