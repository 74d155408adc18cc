import { StatusError } from "../status-error.js";
import { cloneJson, isJsonObject, jsonEqual, ownValue, setOwn } from "./json-value.js";

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Checks the shape of a JSON Patch document; 400 when it is not a list of operations. */
export function parseJsonPatch(body: unknown): JsonPatchOperation[] {
  if (!Array.isArray(body)) throw StatusError.badRequest("a JSON patch must be a list of operations");
  return body.map((op, i) => {
    if (!isJsonObject(op) || typeof op.op !== "string" || !OPS.has(op.op) || typeof op.path !== "string") {
      throw StatusError.badRequest(
        `JSON patch operation ${i} needs an "op" (add, remove, replace, move, copy, test) and a "path"`,
      );
    }
    if ((op.op === "move" || op.op === "copy") && typeof op.from !== "string") {
      throw StatusError.badRequest(`JSON patch operation ${i} (${op.op}) needs a "from"`);
    }
    if ((op.op === "add" || op.op === "replace" || op.op === "test") && !("value" in op)) {
      throw StatusError.badRequest(`JSON patch operation ${i} (${op.op}) needs a "value"`);
    }
    return op as unknown as JsonPatchOperation;
  });
}

/**
 * Applies JSON Patch (RFC 6902) operations in order. A path that does not resolve or a failed
 * `test` answers 422, as Kubernetes does. The input is not changed.
 */
export function jsonPatch(target: unknown, operations: JsonPatchOperation[]): unknown {
  let doc = cloneJson(target);
  for (const op of operations) {
    switch (op.op) {
      case "add":
        doc = add(doc, op.path, cloneJson(op.value));
        break;
      case "remove":
        doc = remove(doc, op.path);
        break;
      case "replace":
        get(doc, op.path);
        doc = add(remove(doc, op.path), op.path, cloneJson(op.value));
        break;
      case "move": {
        const value = get(doc, op.from!);
        if (op.path.startsWith(`${op.from!}/`))
          throw failed(`cannot move "${op.from}" into its own child "${op.path}"`);
        doc = add(remove(doc, op.from!), op.path, value);
        break;
      }
      case "copy":
        doc = add(doc, op.path, cloneJson(get(doc, op.from!)));
        break;
      case "test":
        if (!jsonEqual(get(doc, op.path), op.value)) throw failed(`testing value ${op.path} failed: test failed`);
        break;
    }
  }
  return doc;
}

function failed(message: string): StatusError {
  return new StatusError(422, "Invalid", message);
}

/** `/a/b~1c` → `["a", "b/c"]`. */
function tokens(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw failed(`JSON pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function arrayIndex(token: string, length: number, forInsert: boolean, pointer: string): number {
  if (forInsert && token === "-") return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw failed(`"${token}" in "${pointer}" is not an array index`);
  const index = Number(token);
  if (index > (forInsert ? length : length - 1)) throw failed(`index ${index} in "${pointer}" is out of range`);
  return index;
}

/** The parent container of the pointer's last token, and that token. */
function parentOf(doc: unknown, pointer: string): { parent: unknown; last: string } {
  const parts = tokens(pointer);
  const last = parts.pop();
  if (last === undefined) throw failed("the root of a document has no parent");
  let at = doc;
  for (const part of parts) at = step(at, part, pointer);
  return { parent: at, last };
}

function step(at: unknown, token: string, pointer: string): unknown {
  if (Array.isArray(at)) return at[arrayIndex(token, at.length, false, pointer)];
  if (isJsonObject(at) && Object.prototype.hasOwnProperty.call(at, token)) return at[token];
  throw failed(`path "${pointer}" does not exist`);
}

function get(doc: unknown, pointer: string): unknown {
  let at = doc;
  for (const part of tokens(pointer)) at = step(at, part, pointer);
  return at;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === "") return value;
  const { parent, last } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, pointer), 0, value);
  else if (isJsonObject(parent)) setOwn(parent, last, value);
  else throw failed(`path "${pointer}" does not exist`);
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  if (pointer === "") return null;
  const { parent, last } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false, pointer), 1);
  else if (isJsonObject(parent) && ownValue(parent, last) !== undefined) delete parent[last];
  else throw failed(`path "${pointer}" does not exist`);
  return doc;
}
