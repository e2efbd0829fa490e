// The object-store engines a stack can run (objectStore.engine): each local one has its rows in
// services.ts (the engine and its bootstrap one-shot); external runs no container.

/** Where uploads live: a SeaweedFS container, the archived MinIO, or an S3 service outside the stack. */
export const OBJECT_STORE_ENGINES = ["seaweedfs", "minio", "external"] as const;
export type ObjectStoreEngine = (typeof OBJECT_STORE_ENGINES)[number];
/** New stacks get the maintained engine; existing MinIO stacks set `objectStore.engine: minio`. */
export const DEFAULT_OBJECT_STORE_ENGINE: ObjectStoreEngine = "seaweedfs";

/** What `imctl doctor` and `imctl preview` say about a stack on the minio engine. */
export const MINIO_ARCHIVED_WARNING = "objectStore.engine is minio: MinIO's community edition is archived and unmaintained " +
    "(its images are frozen on quay.io, no security fixes). Move to seaweedfs: docs/operations.md, \"Migrating from MinIO\"";
