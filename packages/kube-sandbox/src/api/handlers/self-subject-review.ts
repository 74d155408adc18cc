import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";

/** `POST /apis/authentication.k8s.io/v1/selfsubjectreviews` (`kubectl auth whoami`): who the server thinks you are. */
export function selfSubjectReview(_ctx: ApiContext, request: ApiRequest): Reply {
  const { username, uid, groups, extra } = request.user;
  return jsonReply(201, {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { creationTimestamp: null },
    status: {
      userInfo: {
        username,
        ...(uid ? { uid } : {}),
        groups,
        ...(extra && Object.keys(extra).length > 0 ? { extra } : {}),
      },
    },
  });
}
