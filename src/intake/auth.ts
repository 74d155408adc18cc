import { readFileSync } from "node:fs";
import { envValue as value, readSecretVariable } from "../core/env-values.js";
import { AuthSettingsError } from "../core/errors.js";
import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { HttpError } from "./http.js";

/** The credentials every `/v1/*` request must carry. */
export interface AuthSettings {
  /** The bearer token (`Authorization: Bearer <token>`); absent when only basic auth is set up. */
  token?: string;
  /** User name and password for `Authorization: Basic`; absent unless configured. */
  basic?: { username: string; password: string };
  /** Accept requests without credentials when neither token nor basic auth is set; for local trials only. */
  insecureNoAuth: boolean;
}

/** How `readAuthSettings` runs. */
export interface ReadAuthSettingsOptions {
  /** Set by `--insecure-no-auth`: start without any credentials instead of refusing to. */
  insecureNoAuth: boolean;
  /** Reads a secret file as UTF-8 text; default `fs.readFileSync`. */
  readFile?: (path: string) => string;
}

/** The sentence the service refuses to start with when no credentials are set. */
export const MISSING_CREDENTIALS_MESSAGE =
  "refusing to start without credentials: set AUTH_TOKEN or AUTH_TOKEN_FILE (or pass --insecure-no-auth)";

/**
 * Reads the API credentials from the environment: the token from `AUTH_TOKEN` or the file named by
 * `AUTH_TOKEN_FILE`, basic auth from `AUTH_BASIC_USERNAME` with `AUTH_BASIC_PASSWORD` or
 * `AUTH_BASIC_PASSWORD_FILE`. Token and password are trimmed, from a variable as from a file: white space
 * around them is not part of them. Empty variables count as unset.
 * Throws an AuthSettingsError naming the variable when a file cannot be read, a token or password is blank,
 * the token holds white space (a Bearer header cannot carry it), or no credentials are set and
 * `insecureNoAuth` is false.
 */
export function readAuthSettings(env: NodeJS.ProcessEnv = process.env, options: ReadAuthSettingsOptions): AuthSettings {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  const token = readSecretVariable(env, "AUTH_TOKEN", "token", readFile, AuthSettingsError);
  const username = value(env, "AUTH_BASIC_USERNAME");
  const password = readSecretVariable(env, "AUTH_BASIC_PASSWORD", "password", readFile, AuthSettingsError);

  if (token !== undefined && /\s/.test(token)) {
    const source = value(env, "AUTH_TOKEN_FILE") === undefined ? "AUTH_TOKEN" : "AUTH_TOKEN_FILE";
    throw new AuthSettingsError(
      source,
      `${source === "AUTH_TOKEN" ? "AUTH_TOKEN" : "the token in AUTH_TOKEN_FILE"} must not contain white space: ` +
        "an Authorization: Bearer header cannot carry it",
    );
  }

  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? "AUTH_BASIC_USERNAME" : "AUTH_BASIC_PASSWORD";
    throw new AuthSettingsError(
      missing,
      `basic auth needs both AUTH_BASIC_USERNAME and AUTH_BASIC_PASSWORD (or AUTH_BASIC_PASSWORD_FILE); ${missing} ` +
        `is not set`,
    );
  }
  if (username?.includes(":")) {
    // Basic auth joins user and password with the first colon, so a colon in the name cannot be sent.
    throw new AuthSettingsError("AUTH_BASIC_USERNAME", "AUTH_BASIC_USERNAME must not contain ':'");
  }
  const basic = username !== undefined && password !== undefined ? { username, password } : undefined;

  if (token === undefined && basic === undefined && !options.insecureNoAuth) {
    throw new AuthSettingsError("AUTH_TOKEN", MISSING_CREDENTIALS_MESSAGE);
  }
  return {
    ...(token !== undefined ? { token } : {}),
    ...(basic !== undefined ? { basic } : {}),
    insecureNoAuth: options.insecureNoAuth,
  };
}

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

const REALM = 'realm="etcd-responder"';

/**
 * Rejects a request without the configured credentials with 401 and `WWW-Authenticate`. The header is
 * read, never logged or echoed.
 */
export function requireCredentials(settings: AuthSettings): RequestHandler {
  const challenges = [
    ...(settings.token !== undefined ? [`Bearer ${REALM}`] : []),
    ...(settings.basic !== undefined ? [`Basic ${REALM}`] : []),
  ];
  const hint =
    settings.token !== undefined || settings.basic === undefined
      ? "send Authorization: Bearer <token>"
      : "send Authorization: Basic <base64 of user:password>";
  const accepted = credentialsCheck(settings);
  return (request: Request, _response: Response, next: NextFunction) => {
    if (accepted(request.headers.authorization)) return next();
    next(new HttpError(401, `missing or invalid credentials: ${hint}`, { "WWW-Authenticate": challenges }));
  };
}
