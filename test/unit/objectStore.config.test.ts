import * as assert from "assert";
import { ConfigError, DEFAULT_IMAGES, parseConfig, RawConfig } from "../../components/config";
import { rawStackConfig } from "./helpers/stackFiles";

function problemsOf(raw: RawConfig, stack = "dev"): string[] {
    try {
        parseConfig(raw, stack);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
        return e.problems;
    }
    assert.fail("expected the config to be refused");
}

const EXTERNAL = { endpoint: "s3.eu-central-1.amazonaws.com", bucket: "chat-uploads", accessKey: "AKIAEXAMPLE", secretKey: "s3-secret-value" };

describe("config: objectStore", function () {
    it("new stacks get seaweedfs on the pinned official image; the committed stack files say so", function () {
        assert.strictEqual(parseConfig({}, "dev").objectStore.engine, "seaweedfs");
        assert.strictEqual(parseConfig({}, "prod").objectStore.engine, "seaweedfs");
        assert.strictEqual(parseConfig(rawStackConfig("dev"), "dev").objectStore.engine, "seaweedfs");
        assert.strictEqual(parseConfig(rawStackConfig("prod"), "prod").objectStore.engine, "seaweedfs");
        assert.match(DEFAULT_IMAGES.seaweedfs, /^chrislusf\/seaweedfs:\d+\.\d+$/);
    });

    it("the program's defaults reference no docker.io minio image (deleted from Docker Hub)", function () {
        for (const [name, ref] of Object.entries(DEFAULT_IMAGES)) assert.doesNotMatch(ref, /^(docker\.io\/)?minio\//, `images.${name} is ${ref}`);
    });

    it("keeps minio for existing deployments", function () {
        assert.strictEqual(parseConfig({ objectStore: { engine: "minio" } }, "prod").objectStore.engine, "minio");
    });

    it("reads an external store with its defaults (TLS on 443, us-east-1, path-style)", function () {
        const c = parseConfig({ objectStore: { engine: "external", external: EXTERNAL } }, "prod");
        assert.deepStrictEqual(c.objectStore.external, { ...EXTERNAL, port: 443, useSsl: true, region: "us-east-1", pathStyle: true });
        const plain = parseConfig({ objectStore: { engine: "external", external: { ...EXTERNAL, useSsl: "false", port: "8333", region: "auto" } } }, "dev");
        assert.strictEqual(plain.objectStore.external?.port, 8333);
        assert.strictEqual(plain.objectStore.external?.useSsl, false);
        assert.strictEqual(plain.objectStore.external?.region, "auto");
    });

    it("refuses an unknown engine and unknown keys, naming them", function () {
        const p = problemsOf({ objectStore: { engine: "ceph", replicas: 2 } });
        assert.ok(p.some((x) => x === 'imstack:objectStore.engine must be one of seaweedfs, minio, external, got "ceph"'), p.join("\n"));
        assert.ok(p.some((x) => x.startsWith("imstack:objectStore.replicas is not a known setting")), p.join("\n"));
        assert.ok(problemsOf({ objectStore: "seaweedfs" }).some((x) => x.startsWith("imstack:objectStore must be an object")));
    });

    it("refuses external settings under a local engine (a mistyped engine would silently ignore them)", function () {
        const p = problemsOf({ objectStore: { engine: "seaweedfs", external: EXTERNAL } });
        assert.deepStrictEqual(p, ['imstack:objectStore.external is read only when imstack:objectStore.engine is external, got engine "seaweedfs"']);
    });

    it("external without settings names every required one", function () {
        assert.ok(problemsOf({ objectStore: { engine: "external" } }).some((x) => x.includes("imstack:objectStore.external must be set when objectStore.engine is external (endpoint, bucket, accessKey, secretKey)")));
        const p = problemsOf({ objectStore: { engine: "external", external: {} } });
        for (const k of ["endpoint", "bucket", "accessKey", "secretKey"]) {
            assert.ok(p.includes(`imstack:objectStore.external.${k} must be set when objectStore.engine is external, got null`), `${k}:\n${p.join("\n")}`);
        }
    });

    it("lists every bad external value in one error, each naming its key", function () {
        const bad = {
            endpoint: "https://s3.example.com:9000", port: 0, useSsl: "yes", region: "EU West", bucket: "Chat_Uploads",
            pathStyle: "maybe", accessKey: "has space", secretKey: "", colour: "blue",
        };
        let err: unknown;
        try { parseConfig({ objectStore: { engine: "external", external: bad }, limits: { uploadMb: 0 } }, "dev"); } catch (e) { err = e; }
        assert.ok(err instanceof ConfigError);
        const p = err.problems;
        const keys = ["endpoint", "port", "useSsl", "region", "bucket", "pathStyle", "accessKey", "secretKey"];
        for (const k of keys) assert.ok(p.some((x) => x.startsWith(`imstack:objectStore.external.${k} must be`)), `${k} not named:\n${p.join("\n")}`);
        assert.ok(p.some((x) => x.startsWith("imstack:objectStore.external.colour is not a known setting")));
        // Unrelated problems land in the same error.
        assert.ok(p.some((x) => x.startsWith("imstack:limits.uploadMb")));
        assert.match(err.message, /invalid imstack configuration \(\d+ problems\)/);
    });

    it("refuses bucket names S3 refuses (.., IP-like, too short)", function () {
        for (const bucket of ["a..b", "192.168.1.10", "ab", "-abc", "abc-"]) {
            const p = problemsOf({ objectStore: { engine: "external", external: { ...EXTERNAL, bucket } } });
            assert.ok(p.some((x) => x.startsWith("imstack:objectStore.external.bucket must be an S3 bucket name")), `${bucket}: ${p.join("\n")}`);
        }
    });

    it("refuses pathStyle false: the backend and the backup job address buckets path-style", function () {
        const p = problemsOf({ objectStore: { engine: "external", external: { ...EXTERNAL, pathStyle: false } } });
        assert.deepStrictEqual(p, ["imstack:objectStore.external.pathStyle must be true (the backend and the backup job address buckets path-style), got false"]);
    });

    it("an external secret key is not repeated in any problem", function () {
        const p = problemsOf({ objectStore: { engine: "external", external: { ...EXTERNAL, endpoint: "bad host", secretKey: "s3cr3t-do-not-print" } } });
        assert.ok(!p.join("\n").includes("s3cr3t-do-not-print"));
    });

    it("takes resource limits for seaweedfs", function () {
        const c = parseConfig({ resources: { seaweedfs: { memoryMb: 768 } } }, "dev");
        assert.strictEqual(c.resources.seaweedfs.memoryMb, 768);
        assert.ok(problemsOf({ resources: { seaweedfs: { memoryMb: 1 } } }).some((x) => x.startsWith("imstack:resources.seaweedfs.memoryMb must be")));
    });
});
