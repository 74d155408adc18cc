const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Problems with a DNS-1123 subdomain (most object names); empty when it is fine. */
export function subdomainProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 253) out.push("must be no more than 253 characters");
  if (!SUBDOMAIN.test(value)) {
    out.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
        "and must start and end with an alphanumeric character (e.g. 'example.com')",
    );
  }
  return out;
}

/** Problems with a DNS-1123 label (Namespace names, container names). */
export function labelProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push("must be no more than 63 characters");
  if (!LABEL.test(value)) {
    out.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
        "and must start and end with an alphanumeric character (e.g. 'my-name')",
    );
  }
  return out;
}

/** Problems with a DNS-1035 label (Service names: they become DNS names and must start with a letter). */
export function dns1035Problems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push("must be no more than 63 characters");
  if (!DNS1035_LABEL.test(value)) {
    out.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', " +
        "start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name')",
    );
  }
  return out;
}

/** Problems with a label value (≤ 63 characters, alphanumerics with `-_.` inside). */
export function labelValueProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push("must be no more than 63 characters");
  if (!LABEL_VALUE.test(value)) {
    out.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
        "and must start and end with an alphanumeric character",
    );
  }
  return out;
}

/** Problems with a label or annotation key (`prefix/name`, the prefix a DNS subdomain). */
export function qualifiedNameProblems(key: string): string[] {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const out: string[] = [];
  if (prefix !== undefined) {
    if (!prefix) out.push("prefix part must be non-empty");
    else out.push(...subdomainProblems(prefix).map((p) => `prefix part ${p}`));
  }
  if (!name) out.push("name part must be non-empty");
  else if (name.length > 63) out.push("name part must be no more than 63 characters");
  else if (!QUALIFIED_NAME.test(name)) {
    out.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', " +
        "and must start and end with an alphanumeric character",
    );
  }
  return out;
}
