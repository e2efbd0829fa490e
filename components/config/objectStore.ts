// The objectStore section: the engine, and an external store's settings.
import { DEFAULT_OBJECT_STORE_ENGINE, ExternalObjectStoreConfig, OBJECT_STORE_ENGINES, ObjectStoreConfig, ObjectStoreEngine } from "./types";
import { BUCKET_EXPECTED, BUCKET_NAME, HOSTNAME, Reader } from "./reader";

const EXTERNAL_KEYS = ["endpoint", "port", "useSsl", "region", "bucket", "pathStyle", "accessKey", "secretKey"] as const;
const EXTERNAL_REQUIRED = ["endpoint", "bucket", "accessKey", "secretKey"] as const;

export function readObjectStore(r: Reader): ObjectStoreConfig {
    r.object("objectStore", ["engine", "external"]);
    const engine = r.oneOf<ObjectStoreEngine>("objectStore.engine", OBJECT_STORE_ENGINES, DEFAULT_OBJECT_STORE_ENGINE);
    const given = r.get("objectStore.external");
    if (engine !== "external") {
        // Settings that would be silently ignored hide a mistyped engine.
        if (given !== undefined && given !== null) r.problems.push(`imstack:objectStore.external is read only when imstack:objectStore.engine is external, got engine "${engine}"`);
        return { engine };
    }
    if (given === undefined || given === null) {
        r.problem("objectStore.external", `set when objectStore.engine is external (${EXTERNAL_REQUIRED.join(", ")})`, null);
        return { engine };
    }
    r.object("objectStore.external", EXTERNAL_KEYS);
    const k = (name: string) => `objectStore.external.${name}`;
    const useSsl = r.boolean(k("useSsl"), true);
    const external: ExternalObjectStoreConfig = {
        endpoint: r.string(k("endpoint"), "", { pattern: HOSTNAME, expected: "a bare S3 host name such as s3.eu-central-1.amazonaws.com (port in port, TLS in useSsl)" }),
        port: r.number(k("port"), useSsl ? 443 : 80, 1, 65535, true),
        useSsl,
        region: r.string(k("region"), "us-east-1", { pattern: /^[a-z0-9][a-z0-9-]{0,62}$/, expected: "a region name such as eu-central-1 (R2: auto)" }),
        bucket: r.string(k("bucket"), "", { pattern: BUCKET_NAME, expected: BUCKET_EXPECTED }),
        pathStyle: r.boolean(k("pathStyle"), true),
        accessKey: r.string(k("accessKey"), "", { pattern: /^\S{1,128}$/, expected: "an access key of 1-128 characters without spaces" }),
        secretKey: r.string(k("secretKey"), "", { expected: "a secret (pulumi config set --secret --path objectStore.external.secretKey ...)" }),
    };
    for (const name of EXTERNAL_REQUIRED) {
        if (r.get(k(name)) === undefined || r.get(k(name)) === null) r.problem(k(name), "set when objectStore.engine is external", null);
    }
    // The backend's client (docs/app-contract.md) and the backup job address buckets path-style
    // only; AWS S3, R2, B2, MinIO and Ceph all serve it.
    if (!external.pathStyle) r.problem(k("pathStyle"), "true (the backend and the backup job address buckets path-style)", r.get(k("pathStyle")));
    return { engine, external };
}
