/** What a client asks for when it wants server-side printing (`kubectl get`). */
export interface TableRequest {
  /** Version of `meta.k8s.io` the Table is sent as. */
  version: "v1" | "v1beta1";
  /** How much of each object a row carries: `Metadata` (default), `Object` or `None`. */
  includeObject: "None" | "Metadata" | "Object";
}

/**
 * Reads the Accept header for `application/json;as=Table;v=v1;g=meta.k8s.io`. Returns undefined
 * when the client wants plain objects (including protobuf clients, which get JSON).
 */
export function tableRequest(accept: string | undefined, includeObject: string | null): TableRequest | undefined {
  if (!accept) return undefined;
  for (const mediaType of accept.split(",")) {
    const [, ...parameters] = mediaType.split(";").map((p) => p.trim());
    const params = new Map(
      parameters.map((p) => {
        const at = p.indexOf("=");
        return [p.slice(0, at).trim().toLowerCase(), p.slice(at + 1).trim()] as const;
      }),
    );
    if (params.get("as") !== "Table") continue;
    const group = params.get("g") ?? "meta.k8s.io";
    const version = params.get("v");
    if (group !== "meta.k8s.io" || (version !== "v1" && version !== "v1beta1")) continue;
    return {
      version,
      includeObject: includeObject === "Object" || includeObject === "None" ? includeObject : "Metadata",
    };
  }
  return undefined;
}
