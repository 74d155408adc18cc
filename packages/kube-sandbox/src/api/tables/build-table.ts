import type { TableRequest } from "../http/accept.js";
import type { KubeObject } from "../object-store.js";
import type { TableCell, TablePrinter } from "./table-printer.js";

export interface BuildTableOptions {
  request: TableRequest;
  /** `metadata.resourceVersion` of the Table (the store's, for lists). */
  resourceVersion?: string;
  /** Leave the column definitions out (every watch event after the first). */
  omitColumns?: boolean;
  /** Time ages are measured against, ms; default now. */
  now?: number;
}

/** A `meta.k8s.io` Table of objects, as `kubectl get` asks for. */
export function buildTable(
  objects: KubeObject[],
  printer: TablePrinter,
  options: BuildTableOptions,
): Record<string, unknown> {
  const now = options.now ?? Date.now();
  const { version, includeObject } = options.request;
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: options.resourceVersion ? { resourceVersion: options.resourceVersion } : {},
    columnDefinitions: options.omitColumns ? [] : printer.columns,
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = { cells: safeCells(printer, obj, now) };
      if (includeObject === "Object") row.object = obj;
      else if (includeObject === "Metadata") row.object = partialMetadata(obj, version);
      return row;
    }),
  };
}

function partialMetadata(obj: KubeObject, version: string): Record<string, unknown> {
  return { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/** A row even for an object too malformed for its printer: the name, and `<unknown>` elsewhere. */
function safeCells(printer: TablePrinter, obj: KubeObject, now: number): TableCell[] {
  try {
    return printer.cells(obj, now);
  } catch {
    return printer.columns.map((c) => (c.format === "name" ? String(obj.metadata?.name ?? "") : "<unknown>"));
  }
}
