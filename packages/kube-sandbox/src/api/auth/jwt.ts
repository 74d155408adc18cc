import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

/** A JWT that cannot be used: malformed, signed by another key, or of another algorithm. */
export class InvalidJwtError extends Error {
  override readonly name = "InvalidJwtError";
}

const ALGORITHM = "ES256";

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/** The key id of a public key: the SHA-256 of its DER form, base64url, as kube-apiserver names its keys. */
export function keyId(publicKey: KeyObject): string {
  return base64url(
    createHash("sha256")
      .update(publicKey.export({ type: "spki", format: "der" }))
      .digest(),
  );
}

/** Signs `claims` as a compact ES256 JWS with a P-256 private key. */
export function signJwt(claims: Record<string, unknown>, privateKey: KeyObject): string {
  const header = { alg: ALGORITHM, kid: keyId(createPublicKey(privateKey)) };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${base64url(signature)}`;
}

/** The claims of a compact ES256 JWS whose signature `publicKey` verifies; throws InvalidJwtError otherwise. */
export function verifyJwt(token: string, publicKey: KeyObject): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new InvalidJwtError("not a compact JWS");
  const [header, payload, signature] = parts as [string, string, string];
  const parsedHeader = parseJson(header) as { alg?: unknown };
  if (parsedHeader.alg !== ALGORITHM) throw new InvalidJwtError(`unexpected algorithm ${String(parsedHeader.alg)}`);
  const valid = verify(
    "sha256",
    Buffer.from(`${header}.${payload}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  if (!valid) throw new InvalidJwtError("the signature does not verify");
  const claims = parseJson(payload);
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
    throw new InvalidJwtError("the claims are not an object");
  }
  return claims as Record<string, unknown>;
}

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
  } catch {
    throw new InvalidJwtError("a part is not base64url JSON");
  }
}
