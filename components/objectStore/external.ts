// An S3 service outside the stack (AWS S3, R2, B2, an existing MinIO or Ceph): no container,
// one identity given by the operator, which the backend and the backup job both use.
import * as pulumi from "@pulumi/pulumi";
import { ExternalObjectStoreConfig } from "../config";
import { ObjectStore } from "./types";

export function externalObjectStore(x: ExternalObjectStoreConfig): ObjectStore {
    const credential = { accessKey: x.accessKey, secretKey: pulumi.secret(x.secretKey) };
    return {
        engine: "external",
        endpoint: { host: x.endpoint, port: x.port, useSsl: x.useSsl, region: x.region, bucket: x.bucket },
        app: credential,
        backup: credential,
        ready: [],
        // The data network is internal: the backup job needs a route out (the backends have the edge network).
        needsEgress: true,
    };
}
