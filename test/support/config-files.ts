import type { ReadTextFile } from "../../src/core/config/resolve.js";

/** PEM-shaped test material; the configuration only checks the armour, never the contents. */
export const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBcaFake\n-----END CERTIFICATE-----\n";
export const CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIBclientFake\n-----END CERTIFICATE-----\n";
export const KEY_PEM = "-----BEGIN PRIVATE KEY-----\nMIGHsecretKeyMaterial\n-----END PRIVATE KEY-----\n";
export const PASSWORD = "s3cret-Passw0rd";

/** A file reader over an in-memory map; unknown paths fail like a missing file. */
export function filesFrom(files: Record<string, string>): ReadTextFile {
  return (path) => {
    const text = files[path];
    if (text === undefined)
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
    return text;
  };
}

/** The files a cluster with TLS and auth refers to, under /etc/responder. */
export const SECRET_FILES = filesFrom({
  "/etc/responder/ca.pem": CA_PEM,
  "/etc/responder/client.pem": CERT_PEM,
  "/etc/responder/client-key.pem": KEY_PEM,
  "/etc/responder/password": `${PASSWORD}\n`,
});
