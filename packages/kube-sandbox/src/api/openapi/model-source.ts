import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The schema source: the models of `@kubernetes/client-node`, the JavaScript client the Kubernetes project
 * maintains (kubernetes-client/javascript), which its generator makes from the upstream OpenAPI document of each
 * release. No npm package ships upstream's `swagger.json` or `api/openapi-spec/v3/*.json` themselves; this one
 * ships every type of the API with, per field, its JSON name, its type and format (`attributeTypeMap` in
 * `dist/gen/models/NAME.js`), and its description and whether it is required (the `.d.ts` beside it). The files
 * are read as text, once each, when an OpenAPI document or a field check first needs them: the sandbox starts as
 * fast as before.
 */

/** One field of a model, as the client's generator saw it in the upstream document. */
export interface ModelField {
  /** Its name in JSON: `replicas`, `$ref`. */
  json: string;
  /** Its TypeScript type: `number`, `Array<V1Container>`, `{ [key: string]: string; }`, `V1ObjectMeta`. */
  type: string;
  /** The OpenAPI format: `int32`, `date-time`, `int-or-string`, or "". */
  format: string;
  description: string | undefined;
  required: boolean;
}

export interface Model {
  /** The client's class name: `V1Deployment`, `CoreV1Event`. */
  name: string;
  description: string | undefined;
  fields: ModelField[];
}

let modelsDir: string | undefined;
const cache = new Map<string, Model | undefined>();

function modelDirectory(): string {
  modelsDir ??= join(
    dirname(createRequire(import.meta.url).resolve("@kubernetes/client-node/package.json")),
    "dist",
    "gen",
    "models",
  );
  return modelsDir;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(join(modelDirectory(), file), "utf8");
  } catch {
    return undefined;
  }
}

/** The model of a class name, or undefined when the client has none by that name. */
export function readModel(name: string): Model | undefined {
  if (cache.has(name)) return cache.get(name);
  const model = parseModel(name, readText(`${name}.js`), readText(`${name}.d.ts`));
  cache.set(name, model);
  return model;
}

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

function parseModel(name: string, js: string | undefined, dts: string | undefined): Model | undefined {
  if (js === undefined || dts === undefined) return undefined;
  const map = js.match(/\.attributeTypeMap = (\[[\s\S]*?\n\]);/);
  if (!map) return undefined;
  const attributes = JSON.parse(map[1]!) as Attribute[];
  const docs = declaredFields(dts);
  return {
    name,
    description: classDescription(dts),
    fields: attributes.map((a) => ({
      json: a.baseName,
      type: a.type,
      format: a.format,
      description: docs.get(a.name)?.description,
      required: docs.get(a.name)?.required ?? false,
    })),
  };
}

/** `/** ... *\/` bodies as plain text: the leading `*` of each line dropped. */
function commentText(body: string): string {
  return body
    .split("\n")
    .map((line) => line.replace(/^\s*\*\s?/, ""))
    .join("\n")
    .trim();
}

function classDescription(dts: string): string | undefined {
  const match = dts.match(/\/\*\*\n((?:(?!\*\/)[\s\S])*?)\*\/\nexport declare class/);
  return match ? commentText(match[1]!) : undefined;
}

/** The declared fields of the class: description (when documented) and whether `?` makes them optional. */
function declaredFields(dts: string): Map<string, { description: string | undefined; required: boolean }> {
  const fields = new Map<string, { description: string | undefined; required: boolean }>();
  const body = dts.slice(dts.indexOf("export declare class"));
  const field = /(?:\/\*\*\n((?:(?!\*\/)[\s\S])*?)\*\/\n)?[ \t]*'([^']+)'(\?)?:/g;
  for (const match of body.matchAll(field)) {
    fields.set(match[2]!, {
      description: match[1] === undefined ? undefined : commentText(match[1]),
      required: match[3] === undefined,
    });
  }
  return fields;
}
