// Picks the object store the config names; see docs/config.md, "Object storage".
import { ImageRefs, ObjectStoreConfig } from "../config";
import { LocalEngineArgs } from "./common";
import { externalObjectStore } from "./external";
import { aliasOf } from "../../catalogue";
import { MINIO_PORTS, minioObjectStore } from "./minio";
import { SEAWEEDFS_PORTS, SEAWEEDFS_SERVICE, seaweedfsObjectStore } from "./seaweedfs";
import { ObjectStore, ObjectStoreForward } from "./types";
import { ObjectStoreEngine } from "../config";

/**
 * What the dev forwarder publishes on 127.0.0.1 for each engine: the seed's 9000 is the S3
 * API and 9001 a web UI. SeaweedFS has no console (its master and filer pages are
 * unauthenticated and stay on the container's loopback); an external store is reached directly.
 */
export function objectStoreForwards(engine: ObjectStoreEngine): ObjectStoreForward[] {
    switch (engine) {
        case "seaweedfs": return [{ listen: 9000, target: SEAWEEDFS_SERVICE, targetPort: SEAWEEDFS_PORTS.s3 }];
        case "minio": return [
            { listen: 9000, target: aliasOf("minio"), targetPort: MINIO_PORTS.api },
            { listen: 9001, target: aliasOf("minio"), targetPort: MINIO_PORTS.console },
        ];
        case "external": return [];
    }
}

export function objectStore(config: ObjectStoreConfig, local: LocalEngineArgs, images: Pick<ImageRefs, "seaweedfs" | "minio" | "minioClient">): ObjectStore {
    switch (config.engine) {
        case "seaweedfs": return seaweedfsObjectStore(local, images.seaweedfs);
        case "minio": return minioObjectStore(local, images);
        case "external":
            if (!config.external) throw new Error("objectStore: engine external without objectStore.external settings");
            return externalObjectStore(config.external);
    }
}

export * from "./types";
