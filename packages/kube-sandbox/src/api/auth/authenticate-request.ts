import type { IncomingMessage } from "node:http";
import { TLSSocket } from "node:tls";
import type { ObjectStore } from "../object-store.js";
import { clientCertificateUser } from "./client-certificate.js";
import { TokenRejectedError, type ServiceAccountTokens } from "./service-account-tokens.js";
import type { UserInfo } from "./user-info.js";

/** What authentication made of a request's credentials. */
export type Authentication =
  | { kind: "authenticated"; user: UserInfo; by: "client certificate" | "service account token" }
  | { kind: "no credentials" }
  | { kind: "rejected"; why: string };

/**
 * Authenticates a request as kube-apiserver's authenticators do, first success wins: a client certificate
 * the client CA signed, then a bearer token (`Authorization: Bearer T`) that is a valid ServiceAccount token.
 * Credentials that authenticate no one are `rejected` (401); none at all are `no credentials`.
 */
export function authenticateRequest(
  req: IncomingMessage,
  tokens: ServiceAccountTokens,
  store: ObjectStore,
): Authentication {
  const failures: string[] = [];
  if (req.socket instanceof TLSSocket) {
    const certificate = clientCertificateUser(req.socket);
    if (certificate.kind === "valid")
      return { kind: "authenticated", user: certificate.user, by: "client certificate" };
    if (certificate.kind === "invalid") failures.push(`client certificate: ${certificate.why}`);
  }
  const token = bearerToken(req.headers.authorization);
  if (token !== undefined) {
    try {
      return { kind: "authenticated", user: tokens.authenticate(token, store), by: "service account token" };
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      failures.push(`token: ${error.message}`);
    }
  }
  return failures.length > 0 ? { kind: "rejected", why: failures.join("; ") } : { kind: "no credentials" };
}

/** The token of an `Authorization: Bearer TOKEN` header (scheme in any case); undefined for any other header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, token] = header.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== "bearer" || !token) return undefined;
  return token;
}
