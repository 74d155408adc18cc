import type { Express } from "express";

/** One method and path template an app answers, e.g. `GET /v1/recoveries/:id`. */
export interface ServedRoute {
  /** Uppercase HTTP method. */
  method: string;
  /** The Express path template. */
  path: string;
}

/** The parts of Express's router this module reads. */
interface RouteLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  match(path: string): unknown;
}

/** Every route registered directly on `app`, in registration order; the OpenAPI test compares them with the document. */
export function servedRoutes(app: Express): ServedRoute[] {
  return routeLayers(app).flatMap((layer) =>
    typeof layer.route?.path === "string"
      ? Object.keys(layer.route.methods)
          .filter((method) => method !== "_all")
          .map((method) => ({ method: method.toUpperCase(), path: layer.route?.path as string }))
      : [],
  );
}

/** The methods `app` answers on `path` (GET implies HEAD); empty when no route serves the path. */
export function servedMethods(app: Express, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of routeLayers(app)) {
    if (!layer.route) continue;
    let matched: unknown;
    try {
      matched = layer.match(path);
    } catch {
      // A malformed %-escape matches no route.
      matched = false;
    }
    if (!matched) continue;
    for (const method of Object.keys(layer.route.methods)) {
      if (method === "_all") continue;
      methods.add(method.toUpperCase());
      if (method === "get") methods.add("HEAD");
    }
  }
  return [...methods];
}

function routeLayers(app: Express): RouteLayer[] {
  return (app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
}
