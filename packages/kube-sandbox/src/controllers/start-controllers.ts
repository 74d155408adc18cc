import type { ObjectStore } from "../api/object-store.js";
import { createEventRecorder } from "../events/event-recorder.js";
import type { Logger } from "../logger.js";
import type { Controller } from "./controller.js";
import { createDeleteObject } from "./delete-object.js";
import { createDeploymentController } from "./deployment-controller.js";
import { createEndpointsController } from "./endpoints-controller.js";
import { createEndpointSliceController } from "./endpointslice-controller.js";
import { createEndpointSliceMirroringController } from "./endpointslice-mirroring-controller.js";
import { createGarbageCollector } from "./garbage-collector.js";
import { createNamespaceController } from "./namespace-controller.js";
import { createReplicaSetController } from "./replicaset-controller.js";
import { createServiceAccountController } from "./serviceaccount-controller.js";
import { createStatefulSetController } from "./statefulset-controller.js";
import { createVolumeController } from "../storage/volume-controller.js";
import { WorkQueue } from "./work-queue.js";
import { createRootCaPublisher } from "./root-ca-publisher.js";
import type { PodAdmission } from "../api/admission/service-account-admission.js";

/** What the controllers need beyond the store, each optional. */
export interface ControllerOptions {
  /** The folder of the PersistentVolumes' data; without it there is no PersistentVolume controller. */
  volumesDir?: string;
  /** The CA of the API server's certificate, PEM, published as `kube-root-ca.crt` in every namespace; else nowhere. */
  rootCA?: string;
  /** Admits the Pods the ReplicaSet and StatefulSet controllers create, as the API server admits a client's. */
  admitPod?: PodAdmission;
}

/** The running control loops of the sandbox. */
export interface RunningControllers {
  /** Stops watching the store and drops all queued and delayed work. */
  stop(): void;
  /**
   * Resolves once no work is queued or running: every store change so far has been acted on.
   * Delayed work (retries, progress deadlines, `minReadySeconds`) does not count.
   */
  idle(): Promise<void>;
}

/**
 * Starts the Deployment, ReplicaSet, StatefulSet, namespace, endpoints, endpointslice, endpointslice
 * mirroring and serviceaccount controllers, the garbage collector and, given `volumesDir` for the volumes'
 * folders, the PersistentVolume controller and, given `rootCA`, the root-ca-cert-publisher over `store`, as
 * kube-controller-manager runs them: every store change queues the keys it concerns, and everything already
 * present is reconciled once at start. The controllers record their Events in `store`.
 */
export function startControllers(
  store: ObjectStore,
  logger: Logger,
  options: ControllerOptions = {},
): RunningControllers {
  const deleteObject = createDeleteObject(store);
  const recorder = (component: string) =>
    createEventRecorder(store, { component }, undefined, (error) =>
      logger.warn({ component, err: error }, "could not record event"),
    );
  const controllers: Controller[] = [
    createDeploymentController({ store, deleteObject, logger, events: recorder("deployment-controller") }),
    createReplicaSetController({
      store,
      deleteObject,
      logger,
      events: recorder("replicaset-controller"),
      admitPod: options.admitPod,
    }),
    createStatefulSetController({ store, deleteObject, logger, admitPod: options.admitPod }),
    createGarbageCollector({ store, deleteObject, logger }),
    ...(options.volumesDir ? [createVolumeController({ store, volumesDir: options.volumesDir, logger })] : []),
    createNamespaceController({ store, deleteObject, logger }),
    createEndpointsController({ store, deleteObject, logger }),
    createEndpointSliceController({ store, deleteObject, logger }),
    createEndpointSliceMirroringController({ store, deleteObject, logger }),
    createServiceAccountController({ store, logger }),
    ...(options.rootCA ? [createRootCaPublisher({ store, caPem: options.rootCA, logger })] : []),
  ];
  const byName = new Map(controllers.map((c) => [c.name, c]));
  const split = (key: string): [string, string] => {
    const colon = key.indexOf(":");
    return [key.slice(0, colon), key.slice(colon + 1)];
  };

  const queue = new WorkQueue({
    logger: logger.child({ name: "controllers" }),
    describe: (key) => {
      const [controller, object] = split(key);
      return { controller, object };
    },
    reconcile: (key) => {
      const [name, rest] = split(key);
      return byName.get(name)?.reconcile(rest);
    },
  });

  // Runs inside the store's dispatch: only reads and queues; the queue does the writing later.
  const unsubscribe = store.subscribe((event) => {
    for (const controller of controllers) {
      try {
        for (const key of controller.keysFor(event)) queue.add(`${controller.name}:${key}`);
      } catch (error) {
        logger.error(
          { controller: controller.name, object: event.object.metadata.name, err: error },
          "could not queue store change",
        );
      }
    }
  });
  for (const controller of controllers) {
    for (const key of controller.initialKeys()) queue.add(`${controller.name}:${key}`);
  }

  return {
    stop() {
      unsubscribe();
      queue.stop();
    },
    idle: () => queue.idle(),
  };
}
