import { serviceAccountUsername, type UserInfo } from "../auth/user-info.js";

/** Who a binding grants its role to. */
export interface Subject {
  /** `User`, `Group` or `ServiceAccount`. */
  kind: string;
  /** The user's, group's or ServiceAccount's name. */
  name: string;
  /** A ServiceAccount's namespace. */
  namespace?: string;
  /** `rbac.authorization.k8s.io` for users and groups, "" for ServiceAccounts. */
  apiGroup?: string;
}

/**
 * Whether a binding's subject is the user: a User by name, a Group the user is in, or a ServiceAccount
 * (of the subject's namespace, else of the RoleBinding's own; a ClusterRoleBinding's must name one).
 */
export function subjectApplies(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return subject.name === user.username;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== "" && serviceAccountUsername(namespace, subject.name) === user.username;
    }
    default:
      return false;
  }
}

/** A subject as RBAC's reasons name it: `User "u"`, `ServiceAccount "name/namespace"`. */
export function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind !== "ServiceAccount") return `${subject.kind} "${subject.name}"`;
  return `${subject.kind} "${subject.name}/${subject.namespace || bindingNamespace}"`;
}
