import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const VALIDITY_MS = 365 * 24 * 3600 * 1000;

/** A certificate and its private key, both PEM. */
export interface KeyPairPem {
  cert: string;
  key: string;
}

/** What a leaf certificate is for and which names it answers to. */
export interface LeafRequest {
  /** The subject's CN: a server's name, or the user name a client certificate authenticates as. */
  commonName: string;
  /** The subject's O values: the groups a client certificate's user belongs to. */
  organizations?: string[];
  /** IP addresses put in the subjectAltName. */
  ips?: string[];
  /** DNS names put in the subjectAltName. */
  dnsNames?: string[];
  /** Server authentication (TLS servers), client authentication (client certificates), or both. */
  usages: ("server" | "client")[];
}

/** A throw-away certificate authority for the sandbox's API server and, with `--tls`, its etcd members. */
export class CertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly keys: webcrypto.CryptoKeyPair,
    /** The CA certificate, PEM. */
    readonly certPem: string,
  ) {}

  static async create(commonName: string): Promise<CertificateAuthority> {
    const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=${commonName}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + VALIDITY_MS),
      signingAlgorithm: KEY_ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(certificate, keys, certificate.toString("pem"));
  }

  /** Issues a leaf certificate signed by this CA. */
  async issue(request: LeafRequest): Promise<KeyPairPem> {
    const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
    const names: x509.JsonGeneralName[] = [
      ...(request.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
      ...(request.ips ?? []).map((value) => ({ type: "ip" as const, value })),
    ];
    const usages = request.usages.map((u) =>
      u === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    );
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: [{ CN: [request.commonName] }, ...(request.organizations ?? []).map((o) => ({ O: [o] }))],
      issuer: this.certificate.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + VALIDITY_MS),
      signingAlgorithm: KEY_ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension(usages, false),
        ...(names.length ? [new x509.SubjectAlternativeNameExtension(names, false)] : []),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
    return { cert: certificate.toString("pem"), key: toPem("PRIVATE KEY", pkcs8) };
  }
}

function randomSerial(): string {
  // A positive 16-byte serial: the first nibble stays below 8.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}
