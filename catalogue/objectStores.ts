// The object-store engines a stack can run (objectStore.engine): each local one has its rows in
// services.ts (the engine and its bootstrap one-shot); external runs no container.

/** Where uploads live: a SeaweedFS container, the archived MinIO, or an S3 service outside the stack. */
export const OBJECT_STORE_ENGINES = ["seaweedfs", "minio", "external"] as const;
export type ObjectStoreEngine = (typeof OBJECT_STORE_ENGINES)[number];
/** New stacks get the maintained engine; existing MinIO stacks set `objectStore.engine: minio`. */
export const DEFAULT_OBJECT_STORE_ENGINE: ObjectStoreEngine = "seaweedfs";
