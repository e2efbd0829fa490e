// Per engine, what the program deploys for object storage and what must not exist.
import * as assert from "assert";
import { SEAWEEDFS_S3_CONFIG_PATH } from "../../components/objectStore/seaweedfsRuntime";
import { SECRET_VARIABLES } from "../support/secretVariables";
import { isSecretValue, plainParts, Recorded, unwrap } from "./helpers/recordingMocks";
import { envList, secretFilesOf } from "./helpers/secretFiles";
import { MockRun, runStack } from "./helpers/runStack";
import { stackConfig } from "./helpers/stackFiles";

type Port = { internal: number; external: number; ip: string };
type Net = { name: string };
type Upload = { file: string; content?: unknown; permissions?: string; owner?: string; group?: string };

const serviceOf = (c: Recorded) => (unwrap(c.inputs.labels) as Array<{ label: string; value: string }>).find((l) => l.label === "com.imstack.service")?.value ?? "";
const services = (run: MockRun) => run.mocks.containers().map(serviceOf).sort();
const env = (c: Recorded, name: string) => envList(c).find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
const s3Env = (c: Recorded) => Object.fromEntries(["S3_ENDPOINT", "S3_PORT", "S3_USE_SSL", "S3_REGION", "S3_BUCKET", "S3_ACCESS_KEY"].map((k) => [k, env(c, k)]));
const volumeNames = (run: MockRun) => run.mocks.byType("docker:index/volume:Volume").map((v) => String(v.inputs.name)).sort();

describe("object store: seaweedfs engine", function () {
    for (const stackName of ["dev", "prod"] as const) {
        describe(`${stackName} stack`, function () {
            let run: MockRun;
            before(async function () { run = await runStack(stackConfig(stackName)); });

            it("runs seaweedfs and its bootstrap one-shot, and no MinIO", function () {
                const s = services(run);
                assert.ok(s.includes("seaweedfs") && s.includes("seaweedfs-init"), s.join(", "));
                assert.ok(!s.includes("minio") && !s.includes("minio-init"), s.join(", "));
                assert.ok(!volumeNames(run).includes(`imstack-${stackName}-minio`));
            });

            it("runs the pinned official image with the all-in-one server, internals on loopback, metrics on the internal networks only", function () {
                const c = run.mocks.container("seaweedfs");
                const images = run.mocks.byType("docker:index/remoteImage:RemoteImage").map((i) => i.inputs.name);
                assert.ok(images.includes("chrislusf/seaweedfs:4.53"), images.join(", "));
                const cmd = unwrap(c.inputs.command) as string[];
                assert.strictEqual(cmd[0], "server");
                for (const a of ["-ip.bind=127.0.0.1", "-s3", "-s3.port=8333", `-s3.config=${SEAWEEDFS_S3_CONFIG_PATH}`, "-metricsPort=9324", "-master.telemetry=false"]) assert.ok(cmd.includes(a), `missing ${a}`);
                assert.deepStrictEqual(unwrap(c.inputs.ports) ?? [], [], "seaweedfs publishes no port");
                // Prometheus scrapes it on the internal monitoring network (on in prod), never from outside.
                assert.deepStrictEqual((unwrap(c.inputs.networksAdvanced) as Net[]).map((n) => n.name),
                    [`imstack-${stackName}-data`, ...(stackName === "prod" ? [`imstack-${stackName}-monitoring`] : [])]);
                const hc = unwrap(c.inputs.healthcheck) as { tests: string[] };
                assert.match(hc.tests.join(" "), /curl -fsS -o \/dev\/null http:\/\/127\.0\.0\.1:8333\/healthz/);
                assert.strictEqual(c.inputs.destroyGraceSeconds, 60);
            });

            it("holds the identities in a 0400 file for the seaweed user, as a secret: the app identity limited to the app bucket", function () {
                const c = run.mocks.container("seaweedfs");
                const up = unwrap(c.inputs.uploads) as Upload[];
                const file = up.find((u) => u.file === SEAWEEDFS_S3_CONFIG_PATH);
                assert.ok(file, "no identities upload");
                assert.deepStrictEqual([file.permissions, file.owner, file.group], ["0400", "1000", "1000"]);
                assert.ok(isSecretValue(file.content) || isSecretValue(c.inputs.uploads), "the identities file is not a secret");
                const parsed = JSON.parse(String(unwrap(file.content))) as { identities: Array<{ name: string; credentials: Array<{ accessKey: string; secretKey: string }>; actions: string[] }> };
                const app = parsed.identities.find((i) => i.credentials[0].accessKey === "imstack-app");
                const admin = parsed.identities.find((i) => i.credentials[0].accessKey === "imstack-backup");
                assert.deepStrictEqual(app?.actions, ["Read:imstack", "Write:imstack", "List:imstack"]);
                assert.ok(app && admin && admin.actions.includes("Admin"));
                assert.ok(app.credentials[0].secretKey.length > 0 && admin.credentials[0].secretKey !== app.credentials[0].secretKey);
                // The keys are nowhere in the container's environment.
                for (const e of envList(c)) assert.ok(!e.includes(app.credentials[0].secretKey) && !e.includes(admin.credentials[0].secretKey));
            });

            it("the backend gets the app identity through the unchanged S3_* contract; the backup job its own", function () {
                const backend = run.mocks.containers().find((c) => serviceOf(c) === "backend")!;
                assert.deepStrictEqual(s3Env(backend), { S3_ENDPOINT: "seaweedfs", S3_PORT: "8333", S3_USE_SSL: "false", S3_REGION: "us-east-1", S3_BUCKET: "imstack", S3_ACCESS_KEY: "imstack-app" });
                const job = run.mocks.container("backup");
                assert.deepStrictEqual(s3Env(job), { ...s3Env(backend), S3_ACCESS_KEY: "imstack-backup" });
                const file = JSON.parse(String(unwrap((unwrap(run.mocks.container("seaweedfs").inputs.uploads) as Upload[]).find((u) => u.file === SEAWEEDFS_S3_CONFIG_PATH)!.content))) as { identities: Array<{ credentials: Array<{ accessKey: string; secretKey: string }> }> };
                const key = (a: string) => file.identities.find((i) => i.credentials[0].accessKey === a)!.credentials[0].secretKey;
                assert.strictEqual(secretFilesOf(run.mocks, backend).get("S3_SECRET_KEY")?.value, key("imstack-app"));
                assert.strictEqual(secretFilesOf(run.mocks, job).get("S3_SECRET_KEY")?.value, key("imstack-backup"));
            });

            it("the bootstrap creates the bucket as the admin, its secret as a file it empties", function () {
                const init = run.mocks.container("seaweedfs-init");
                assert.strictEqual(env(init, "S3_ENDPOINT"), "http://seaweedfs:8333");
                assert.strictEqual(env(init, "S3_ACCESS_KEY"), "imstack-backup");
                assert.strictEqual(env(init, "S3_SECRET_KEY_FILE"), "/run/secrets/s3-secret-key");
                const f = secretFilesOf(run.mocks, init).get("S3_SECRET_KEY");
                assert.ok(f && f.secret && f.permissions === "0400" && f.owner === "0");
                assert.match((unwrap(init.inputs.command) as string[])[0], /: > "\$S3_SECRET_KEY_FILE"/);
                assert.strictEqual(init.inputs.mustRun, false);
            });

            it("puts no secret variable in any container's environment", function () {
                for (const c of run.mocks.containers()) for (const e of envList(c)) {
                    assert.ok(!SECRET_VARIABLES.includes(e.split("=")[0]), `${c.inputs.name} has ${e.split("=")[0]} in its env`);
                }
                for (const c of run.mocks.containers()) assert.doesNotMatch(JSON.stringify(plainParts(c.inputs.envs ?? [])), /S3_SECRET_KEY=/);
            });

            it("keeps the seaweedfs volume on destroy, protected in prod", function () {
                assert.ok(volumeNames(run).includes(`imstack-${stackName}-seaweedfs`));
                const o = run.options.get("docker:index/volume:Volume::imstack-data-seaweedfs");
                assert.strictEqual(o?.retainOnDelete, true);
                assert.strictEqual(o?.protect, stackName === "prod");
            });

            if (stackName === "dev") {
                it("maps the seed's 9000 to the S3 API on 127.0.0.1, and 9001 to nothing (no web UI)", function () {
                    const fwd = run.mocks.container("dev-ports");
                    assert.deepStrictEqual((unwrap(fwd.inputs.ports) as Port[]).map((p) => [p.internal, p.external, p.ip]),
                        [[5432, 5432, "127.0.0.1"], [6379, 6379, "127.0.0.1"], [9000, 9000, "127.0.0.1"]]);
                    assert.strictEqual(env(fwd, "FORWARDS"), "5432=postgres:5432,6379=redis:6379,9000=seaweedfs:8333");
                    assert.deepStrictEqual(run.stack.publishedPorts.filter((p) => p.service === "seaweedfs"), [{ service: "seaweedfs", hostIp: "127.0.0.1", hostPort: 9000, containerPort: 9000 }]);
                });
            }

            it("exports the engine and endpoint as a plain output, without credentials", async function () {
                const o = await new Promise((r) => run.stack.objectStore.apply((v) => { r(v); return v; }));
                assert.deepStrictEqual(o, { engine: "seaweedfs", endpoint: "seaweedfs", port: 8333, useSsl: false, region: "us-east-1", bucket: "imstack" });
            });
        });
    }

    it("rotation.minio rotates the seaweedfs keys, which replaces the identities file", async function () {
        const a = await runStack(stackConfig("dev"));
        const b = await runStack(stackConfig("dev", { rotation: { minio: "2026-12-02" } }));
        const keepers = (r: MockRun) => r.mocks.byType("random:index/randomPassword:RandomPassword").filter((p) => /minio-(app|backup)$/.test(p.name)).map((p) => unwrap(p.inputs.keepers));
        assert.deepStrictEqual(keepers(a), [{ rotation: "0" }, { rotation: "0" }]);
        assert.deepStrictEqual(keepers(b), [{ rotation: "2026-12-02" }, { rotation: "2026-12-02" }]);
    });
});

describe("object store: external engine", function () {
    const external = { endpoint: "s3.example.net", port: 9443, bucket: "chat-uploads", region: "eu-west-1", accessKey: "AKEXTERNAL", secretKey: "external-secret-value-123" };
    for (const stackName of ["dev", "prod"] as const) {
        describe(`${stackName} stack`, function () {
            let run: MockRun;
            before(async function () { run = await runStack(stackConfig(stackName, { objectStore: { engine: "external", external } })); });

            it("deploys no object-store container, one-shot or volume", function () {
                const s = services(run);
                for (const x of ["seaweedfs", "seaweedfs-init", "minio", "minio-init"]) assert.ok(!s.includes(x), `${x} deployed: ${s.join(", ")}`);
                assert.ok(!volumeNames(run).some((v) => /-(minio|seaweedfs)$/.test(v)), volumeNames(run).join(", "));
                assert.ok(!run.mocks.byType("docker:index/remoteImage:RemoteImage").some((i) => /seaweedfs|minio/.test(String(i.inputs.name))));
            });

            it("hands the backend and the backup job the external store, its secret key only as a secret file", function () {
                const backend = run.mocks.containers().find((c) => serviceOf(c) === "backend")!;
                const job = run.mocks.container("backup");
                const want = { S3_ENDPOINT: "s3.example.net", S3_PORT: "9443", S3_USE_SSL: "true", S3_REGION: "eu-west-1", S3_BUCKET: "chat-uploads", S3_ACCESS_KEY: "AKEXTERNAL" };
                assert.deepStrictEqual(s3Env(backend), want);
                assert.deepStrictEqual(s3Env(job), want);
                for (const c of [backend, job]) {
                    const f = secretFilesOf(run.mocks, c).get("S3_SECRET_KEY");
                    assert.ok(f && f.secret, `${c.inputs.name}: S3_SECRET_KEY not a secret file`);
                    assert.strictEqual(f.value, external.secretKey);
                }
                for (const r of run.mocks.resources) assert.ok(!JSON.stringify(plainParts(r.inputs)).includes(external.secretKey), `${r.name} shows the secret key in plain text`);
            });

            it("gives the backup job a route out (the data network is internal)", function () {
                const nets = (unwrap(run.mocks.container("backup").inputs.networksAdvanced) as Net[]).map((n) => n.name);
                assert.deepStrictEqual(nets, [`imstack-${stackName}-data`, ...(stackName === "prod" ? [`imstack-${stackName}-monitoring`] : []), `imstack-${stackName}-backup-egress`]);
            });

            it("publishes nothing for object storage and exports the external endpoint", async function () {
                assert.ok(!run.stack.publishedPorts.some((p) => p.containerPort === 9000 || p.containerPort === 9001));
                if (stackName === "dev") assert.strictEqual(env(run.mocks.container("dev-ports"), "FORWARDS"), "5432=postgres:5432,6379=redis:6379");
                const o = await new Promise((r) => run.stack.objectStore.apply((v) => { r(v); return v; }));
                assert.deepStrictEqual(o, { engine: "external", endpoint: "s3.example.net", port: 9443, useSsl: true, region: "eu-west-1", bucket: "chat-uploads" });
            });
        });
    }
});

describe("object store: minio engine", function () {
    it("runs MinIO from quay.io (Docker Hub deleted the repository) and no seaweedfs", async function () {
        const run = await runStack(stackConfig("dev", { objectStore: { engine: "minio" } }));
        const s = services(run);
        assert.ok(s.includes("minio") && s.includes("minio-init") && !s.includes("seaweedfs"), s.join(", "));
        const images = run.mocks.byType("docker:index/remoteImage:RemoteImage").map((i) => String(i.inputs.name));
        assert.ok(images.some((i) => i.startsWith("quay.io/minio/minio:")) && images.some((i) => i.startsWith("quay.io/minio/mc:")), images.join(", "));
    });
});
