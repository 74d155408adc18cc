import { parse as parseYaml } from "yaml";
import { decodeProtobufObject } from "../protobuf/decode-protobuf.js";
import { StatusError } from "../status-error.js";
import { httpErrors } from "./http-errors.js";
import { parseJsonBody } from "./read-body.js";

const JSON_TYPES = ["", "application/json", "*/*"];
const YAML_TYPE = "application/yaml";
const PROTOBUF_TYPE = "application/vnd.kubernetes.protobuf";

/**
 * Decodes the body of a create, update or delete by its Content-Type: JSON, YAML, or protobuf for
 * the few kinds Helm sends that way (Secrets, ConfigMaps, Namespaces, DeleteOptions). Anything else
 * answers 415. An empty body is `undefined`.
 */
export function decodeBody(contentType: string | undefined, raw: Buffer): unknown {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (JSON_TYPES.includes(mediaType)) return parseJsonBody(raw);
  if (mediaType === PROTOBUF_TYPE) return raw.length === 0 ? undefined : decodeProtobufObject(raw);
  if (mediaType !== YAML_TYPE)
    throw httpErrors.unsupportedMediaType(mediaType, ["application/json", YAML_TYPE, PROTOBUF_TYPE]);
  const text = raw.toString("utf8");
  if (!text.trim()) return undefined;
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    throw StatusError.badRequest(`the request body is not valid YAML: ${(error as Error).message}`);
  }
}

/** Decodes a body that must be an object (a Kubernetes object). */
export function decodeObjectBody(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  const value = decodeBody(contentType, raw);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw StatusError.badRequest("the request body must be an object");
  }
  return value as Record<string, unknown>;
}
