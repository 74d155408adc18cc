import type { KubeObject } from "../object-store.js";
import { ageOf } from "./format-age.js";

/** One column of a `meta.k8s.io` Table. */
export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  /** `name` marks the column holding the object's name. */
  format: string;
  description: string;
  /** 0 = always shown; 1 and above only with `kubectl get -o wide`. */
  priority: number;
}

export type TableCell = string | number | boolean;

/** How objects of one type print as rows. */
export interface TablePrinter {
  columns: TableColumn[];
  /** One cell per column, in order; `now` (ms) is the time ages are measured against. */
  cells(obj: KubeObject, now: number): TableCell[];
}

export function column(name: string, description: string, options: Partial<TableColumn> = {}): TableColumn {
  return { name, type: "string", format: "", description, priority: 0, ...options };
}

export const NAME_COLUMN = column("Name", "Name must be unique within a namespace.", { format: "name" });
export const AGE_COLUMN = column("Age", "Time since the object was created.");

export function ageCell(obj: KubeObject, now: number): string {
  return ageOf(obj.metadata.creationTimestamp, now);
}

/** A nested field of an object without a schema, or undefined. */
export function field<T>(obj: unknown, ...path: string[]): T | undefined {
  let at: unknown = obj;
  for (const part of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at as T | undefined;
}

/**
 * A nested list without null entries, or an empty one when the field is missing or not a list:
 * a status written by a careless client must not break `kubectl get`.
 */
export function list<T>(obj: unknown, ...path: string[]): T[] {
  const found = field<unknown>(obj, ...path);
  return Array.isArray(found) ? (found.filter((item) => item !== null && item !== undefined) as T[]) : [];
}
