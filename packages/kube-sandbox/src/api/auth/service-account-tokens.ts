import { generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import type { KubeObject, ObjectStore } from "../object-store.js";
import { InvalidJwtError, signJwt, verifyJwt } from "./jwt.js";
import { serviceAccountGroups, serviceAccountUsername, type UserInfo } from "./user-info.js";

/** The issuer and default audience of the sandbox's tokens, kube-apiserver's usual one. */
export const DEFAULT_TOKEN_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** A token that does not authenticate anyone, and why (for the log: the client only ever hears 401). */
export class TokenRejectedError extends Error {
  override readonly name = "TokenRejectedError";
}

/** What a token is for: whose it is, for whom, how long, and the Pod it lives and dies with. */
export interface TokenGrant {
  /** The ServiceAccount the token authenticates as. */
  serviceAccount: KubeObject;
  /** Who may accept it; default the API server's own audiences. */
  audiences?: string[];
  /** How long it is valid, seconds. */
  expirationSeconds: number;
  /** A Pod the token is bound to: it stops authenticating once the Pod is gone. */
  pod?: KubeObject;
  /** The Node that Pod runs on, named in the token as kube-apiserver names it. */
  node?: KubeObject;
}

/** A token and when it stops being valid (RFC 3339, whole seconds). */
export interface IssuedToken {
  /** The signed JWT, for `Authorization: Bearer`. */
  token: string;
  /** When it stops authenticating, e.g. `2026-01-01T01:00:00Z`. */
  expirationTimestamp: string;
}

/** The private claims kube-apiserver puts under `kubernetes.io`. */
interface KubernetesClaims {
  namespace?: string;
  serviceaccount?: { name?: string; uid?: string };
  pod?: { name?: string; uid?: string };
  node?: { name?: string; uid?: string };
}

/**
 * Issues and checks ServiceAccount tokens as kube-apiserver does: ES256 JWTs signed by a key of this sandbox
 * (made anew at each start), with `iss`, `sub` (`system:serviceaccount:NS:NAME`), `aud`, `exp`, `iat`,
 * `nbf`, `jti` and the `kubernetes.io` claims binding the namespace, ServiceAccount, Pod and its Node. A token
 * authenticates while unexpired, meant for one of the API server's audiences, and while its ServiceAccount
 * (and Pod) exist with the uid it names and are not being deleted.
 */
export class ServiceAccountTokens {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  /**
   * @param issuer the `iss` of every token, and the audience the API server accepts
   * @param now the clock, for tests of expiry
   */
  constructor(
    readonly issuer = DEFAULT_TOKEN_ISSUER,
    private readonly now: () => Date = () => new Date(),
  ) {
    const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = keys.privateKey;
    this.publicKey = keys.publicKey;
  }

  /** The audiences the API server accepts tokens for. */
  get apiAudiences(): string[] {
    return [this.issuer];
  }

  /** A signed token for `grant`; the kubelet's projected tokens come from here too. */
  issue(grant: TokenGrant): IssuedToken {
    const { serviceAccount, pod, node } = grant;
    const namespace = serviceAccount.metadata.namespace ?? "";
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const expires = issuedAt + grant.expirationSeconds;
    const kubernetes: KubernetesClaims = {
      namespace,
      serviceaccount: { name: serviceAccount.metadata.name, uid: serviceAccount.metadata.uid },
      ...(pod ? { pod: { name: pod.metadata.name, uid: pod.metadata.uid } } : {}),
      ...(pod && node ? { node: { name: node.metadata.name, uid: node.metadata.uid } } : {}),
    };
    const claims = {
      aud: grant.audiences?.length ? grant.audiences : this.apiAudiences,
      exp: expires,
      iat: issuedAt,
      iss: this.issuer,
      jti: randomUUID(),
      "kubernetes.io": kubernetes,
      nbf: issuedAt,
      sub: serviceAccountUsername(namespace, serviceAccount.metadata.name),
    };
    return {
      token: signJwt(claims, this.privateKey),
      expirationTimestamp: new Date(expires * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
  }

  /** The user a token authenticates; throws TokenRejectedError saying why it does not. */
  authenticate(token: string, store: ObjectStore): UserInfo {
    let claims: Record<string, unknown>;
    try {
      claims = verifyJwt(token, this.publicKey);
    } catch (error) {
      if (error instanceof InvalidJwtError) throw new TokenRejectedError(error.message);
      throw error;
    }
    if (claims.iss !== this.issuer) throw new TokenRejectedError("issued by another issuer");
    const seconds = this.now().getTime() / 1000;
    if (typeof claims.exp !== "number" || claims.exp <= seconds) throw new TokenRejectedError("expired");
    if (typeof claims.nbf === "number" && claims.nbf > seconds) throw new TokenRejectedError("not valid yet");
    const audiences = Array.isArray(claims.aud) ? (claims.aud as unknown[]) : [claims.aud];
    if (!audiences.some((a) => typeof a === "string" && this.apiAudiences.includes(a))) {
      throw new TokenRejectedError("meant for another audience");
    }
    const bound = (claims["kubernetes.io"] ?? {}) as KubernetesClaims;
    const namespace = bound.namespace;
    const name = bound.serviceaccount?.name;
    if (!namespace || !name || claims.sub !== serviceAccountUsername(namespace, name)) {
      throw new TokenRejectedError("names no ServiceAccount");
    }
    const serviceAccount = liveObject(store, "serviceaccounts", namespace, name, bound.serviceaccount?.uid);
    const extra: Record<string, string[]> = {};
    if (typeof claims.jti === "string") extra["authentication.kubernetes.io/credential-id"] = [`JTI=${claims.jti}`];
    if (bound.pod) {
      const pod = liveObject(store, "pods", namespace, bound.pod.name ?? "", bound.pod.uid);
      extra["authentication.kubernetes.io/pod-name"] = [pod.metadata.name];
      extra["authentication.kubernetes.io/pod-uid"] = [pod.metadata.uid ?? ""];
      if (bound.node?.name) extra["authentication.kubernetes.io/node-name"] = [bound.node.name];
      if (bound.node?.uid) extra["authentication.kubernetes.io/node-uid"] = [bound.node.uid];
    }
    return {
      username: serviceAccountUsername(namespace, name),
      uid: serviceAccount.metadata.uid ?? "",
      groups: serviceAccountGroups(namespace),
      extra,
    };
  }
}

/** The object a token is bound to, if it still exists, has the uid the token names and is not being deleted. */
function liveObject(
  store: ObjectStore,
  resource: string,
  namespace: string,
  name: string,
  uid: string | undefined,
): KubeObject {
  const found = store.get(resource, namespace, name);
  if (!found) throw new TokenRejectedError(`${resource} ${namespace}/${name} is gone`);
  if (uid !== undefined && found.metadata.uid !== uid) {
    throw new TokenRejectedError(`${resource} ${namespace}/${name} was made anew (uid ${found.metadata.uid})`);
  }
  if (found.metadata.deletionTimestamp)
    throw new TokenRejectedError(`${resource} ${namespace}/${name} is being deleted`);
  return found;
}
