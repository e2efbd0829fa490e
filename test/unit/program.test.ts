import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../components/config";
import { MULTIPART_OVERHEAD_KB } from "../../nginx/render";
import { isSecretValue, plainParts, Recorded, unwrap } from "./helpers/recordingMocks";
import { MockRun, runStack } from "./helpers/runStack";
import { stackConfig } from "./helpers/stackFiles";

const CONTAINER = "docker:index/container:Container";
const DATA_SERVICES = ["postgres", "redis", "minio"];
const LONG_RUNNING = ["postgres", "redis", "minio", "backup", "backend", "web", "next", "nginx"];

type Port = { internal: number; external: number; ip: string };
type Net = { name: string; aliases: string[] };
type Label = { label: string; value: string };

function ports(c: Recorded): Port[] {
    return (unwrap(c.inputs.ports) as Port[] | undefined) ?? [];
}
function label(c: Recorded, key: string): string | undefined {
    return (unwrap(c.inputs.labels) as Label[]).find((l) => l.label === key)?.value;
}
function service(c: Recorded): string {
    return label(c, "com.imstack.service") ?? "";
}
function longRunning(run: MockRun): Recorded[] {
    return run.mocks.containers().filter((c) => LONG_RUNNING.includes(service(c)));
}

for (const stackName of ["dev", "prod"] as const) {
    describe(`program (${stackName} stack from Pulumi.${stackName}.yaml)`, function () {
        let config: StackConfig;
        let run: MockRun;

        before(async function () {
            config = stackConfig(stackName);
            run = await runStack(config);
        });

        it("registers the component hierarchy with imstack:<module>:<Type> tokens", function () {
            const types = new Set(run.mocks.resources.map((r) => r.type));
            for (const t of ["imstack:stack:ImStack", "imstack:tiers:DataTier", "imstack:tiers:AppTier", "imstack:tiers:EdgeTier",
                "imstack:secrets:StackSecrets", "imstack:network:StackNetworks", "imstack:data:PostgresRoles", "imstack:data:BackupJob"]) {
                assert.ok(types.has(t), `missing component ${t}`);
            }
        });

        it("publishes ports as the environment requires", function () {
            for (const c of run.mocks.containers()) {
                const svc = service(c);
                for (const p of ports(c)) {
                    if (svc === "nginx") {
                        assert.strictEqual(p.ip, "0.0.0.0");
                        assert.ok([80, 443].includes(p.internal), `nginx publishes ${p.internal}`);
                    } else {
                        assert.strictEqual(stackName, "dev", `${svc} publishes ${p.external} in prod`);
                        assert.strictEqual(p.ip, "127.0.0.1", `${svc} publishes ${p.external} on ${p.ip}`);
                    }
                }
            }
            const published = run.mocks.containers().filter((c) => ports(c).length > 0).map(service).sort();
            if (stackName === "prod") {
                assert.deepStrictEqual(published, ["nginx"]);
                assert.ok(!run.mocks.containers().some((c) => service(c) === "dev-ports"), "no forwarder in prod");
            } else {
                assert.deepStrictEqual(published, ["backend", "dev-ports", "next", "nginx", "web"]);
                // Docker never publishes ports of a container whose only network is internal, so
                // the data services are published through the forwarder, which holds no data.
                const fwd = run.mocks.container("dev-ports");
                assert.deepStrictEqual(ports(fwd).map((p) => [p.internal, p.external, p.ip]),
                    [[5432, 5432, "127.0.0.1"], [6379, 6379, "127.0.0.1"], [9000, 9000, "127.0.0.1"], [9001, 9001, "127.0.0.1"]]);
                assert.ok((unwrap(fwd.inputs.envs) as string[]).includes("FORWARDS=5432=postgres:5432,6379=redis:6379,9000=minio:9000,9001=minio:9001"));
                const fwdNets = (unwrap(fwd.inputs.networksAdvanced) as Net[]).map((n) => n.name);
                assert.deepStrictEqual(fwdNets, [`imstack-dev-dev-ports`, `imstack-dev-data`]);
                assert.strictEqual(fwd.inputs.networkMode, "imstack-dev-dev-ports");
                assert.deepStrictEqual(ports(run.mocks.container("web")).map((p) => p.external), [5173]);
                assert.deepStrictEqual(ports(run.mocks.container("next")).map((p) => p.external), [3000]);
            }
        });

        it("attaches postgres, redis and minio only to the internal data network", function () {
            const net = run.mocks.byType("docker:index/network:Network").find((n) => String(n.inputs.name).endsWith("-data"))!;
            assert.strictEqual(net.inputs.internal, true);
            const edge = run.mocks.byType("docker:index/network:Network").find((n) => String(n.inputs.name).endsWith("-edge"))!;
            assert.notStrictEqual(edge.inputs.internal, true);
            for (const svc of [...DATA_SERVICES, "backup"]) {
                const c = run.mocks.container(svc);
                const nets = unwrap(c.inputs.networksAdvanced) as Net[];
                assert.deepStrictEqual(nets.map((n) => n.name), [`imstack-${stackName}-data`], svc);
                assert.strictEqual(c.inputs.networkMode, `imstack-${stackName}-data`, `${svc} networkMode`);
                assert.deepStrictEqual(nets[0].aliases, [svc]);
            }
            const nginx = run.mocks.container("nginx");
            assert.deepStrictEqual((unwrap(nginx.inputs.networksAdvanced) as Net[]).map((n) => n.name), [`imstack-${stackName}-edge`]);
            for (const b of run.mocks.containers().filter((c) => service(c) === "backend")) {
                assert.deepStrictEqual((unwrap(b.inputs.networksAdvanced) as Net[]).map((n) => n.name).sort(),
                    [`imstack-${stackName}-data`, `imstack-${stackName}-edge`]);
            }
        });

        it("never shows a generated password in plain text in any recorded input", function () {
            assert.ok(run.mocks.generatedSecrets.length >= 8, "passwords were generated");
            for (const r of run.mocks.resources) {
                const visible = JSON.stringify(plainParts(r.inputs));
                for (const secret of run.mocks.generatedSecrets) {
                    assert.ok(!visible.includes(secret), `${r.type} ${r.name} shows a password in plain text`);
                }
            }
        });

        it("passes every credential to containers and commands as a Pulumi secret", function () {
            // An env list holding a secret travels as one secret value, so either the whole list
            // or the entry itself must carry the secret signature.
            const secretEnv = (c: Recorded, key: string) => {
                const envs = c.inputs.envs;
                const list = unwrap(envs) as string[];
                assert.ok(list.some((e) => e.startsWith(`${key}=`)), `${c.inputs.name} env ${key} missing`);
                if (isSecretValue(envs)) return;
                const entry = (envs as unknown[]).find((e) => String(unwrap(e)).startsWith(`${key}=`));
                assert.ok(isSecretValue(entry), `${c.inputs.name} env ${key} is not secret`);
            };
            for (const backend of run.mocks.containers().filter((c) => service(c) === "backend")) {
                for (const key of ["DATABASE_URL", "REDIS_URL", "S3_SECRET_KEY", "JWT_SECRET", "JWT_SECRET_PREVIOUS"]) secretEnv(backend, key);
            }
            secretEnv(run.mocks.container("postgres"), "POSTGRES_PASSWORD");
            secretEnv(run.mocks.container("redis"), "REDISCLI_AUTH");
            secretEnv(run.mocks.container("minio"), "MINIO_ROOT_PASSWORD");
            secretEnv(run.mocks.container("minio-init"), "MC_HOST_imstack");
            secretEnv(run.mocks.container("minio-init"), "APP_SECRET_KEY");
            for (const key of ["PGPASSWORD", "S3_SECRET_KEY", "BACKUP_KEY", "BACKUP_PREVIOUS_KEYS"]) secretEnv(run.mocks.container("backup"), key);
            const redis = run.mocks.container("redis");
            const up = redis.inputs.uploads;
            assert.ok(isSecretValue(up) || isSecretValue((up as Array<Record<string, unknown>>)[0].content), "redis.conf is not secret");
            assert.match(String((unwrap(up) as Array<{ content: string }>)[0].content), /^requirepass Pw/m);
            const cmd = run.mocks.byType("command:local:Command")[0];
            assert.ok(isSecretValue(cmd.inputs.stdin), "ALTER ROLE stdin is not secret");
            assert.ok(!String(unwrap(cmd.inputs.create)).match(/Pw[0-9a-f]{30}/), "password in the command line");
        });

        it("exports connection strings only as secrets", async function () {
            for (const out of [run.stack.databaseUrl, run.stack.adminDatabaseUrl, run.stack.redisUrl, run.stack.s3Credentials]) {
                assert.strictEqual(await pulumi.isSecret(out as pulumi.Output<unknown>), true);
            }
            for (const out of [run.stack.publicUrl, run.stack.urls, run.stack.containers]) {
                assert.strictEqual(await pulumi.isSecret(out as pulumi.Output<unknown>), false);
            }
        });

        it("gives every long-running container a healthcheck, limits, log caps, labels and a restart policy", function () {
            const list = longRunning(run);
            assert.strictEqual(list.length, 7 + config.app.backend.replicas);
            if (stackName === "dev") {
                const fwd = run.mocks.container("dev-ports");
                assert.strictEqual(fwd.inputs.restart, "unless-stopped");
                assert.deepStrictEqual(fwd.inputs.securityOpts, ["no-new-privileges:true"]);
                assert.strictEqual(fwd.inputs.user, "1000:1000");
                assert.ok((unwrap(fwd.inputs.healthcheck) as { tests: string[] }).tests.length > 1);
            }
            for (const c of list) {
                const svc = service(c);
                const hc = unwrap(c.inputs.healthcheck) as Record<string, unknown>;
                assert.ok(Array.isArray(hc.tests) && (hc.tests as string[]).length > 1, `${svc} healthcheck`);
                assert.ok(hc.interval && hc.timeout && hc.retries, `${svc} healthcheck timings`);
                assert.strictEqual(c.inputs.wait, true, `${svc} wait`);
                assert.strictEqual(c.inputs.restart, "unless-stopped", `${svc} restart`);
                assert.strictEqual(c.inputs.logDriver, "json-file");
                assert.deepStrictEqual(c.inputs.logOpts, { "max-size": "10m", "max-file": "3" });
                assert.deepStrictEqual(c.inputs.securityOpts, ["no-new-privileges:true"]);
                const limits = config.resources[svc as keyof typeof config.resources];
                assert.strictEqual(c.inputs.memory, limits.memoryMb, `${svc} memory`);
                assert.strictEqual(c.inputs.cpus, String(limits.cpus), `${svc} cpus`);
                assert.strictEqual(label(c, "com.imstack.stack"), stackName);
                assert.ok(["data", "app", "edge"].includes(label(c, "com.imstack.tier")!), `${svc} tier label`);
                assert.match(String(c.inputs.name), new RegExp(`^imstack-${stackName}-${svc}(-\\d+)?$`));
                assert.ok(String(unwrap(c.inputs.image)).includes("sha256:"), `${svc} image by id or digest, got ${unwrap(c.inputs.image)}`);
            }
            const pgTests = (unwrap(run.mocks.container("postgres").inputs.healthcheck) as { tests: string[] }).tests.join(" ");
            assert.match(pgTests, /pg_isready -h 127\.0\.0\.1/, "postgres healthcheck goes over TCP");
        });

        it("never uploads files into a read-only container (Docker refuses the copy)", function () {
            for (const c of run.mocks.containers()) {
                if (c.inputs.readOnly === true) assert.ok(!c.inputs.uploads || (unwrap(c.inputs.uploads) as unknown[]).length === 0, `${c.inputs.name}`);
            }
        });

        it("keeps data volumes on destroy, and protects them in prod", function () {
            // Resource options are not visible to mocks, so check them on the resource objects.
            const volumes = run.mocks.byType("docker:index/volume:Volume");
            assert.deepStrictEqual(volumes.map((v) => v.inputs.name).sort(),
                ["backups", "minio", "postgres", "redis"].map((p) => `imstack-${stackName}-${p}`));
            const opts = volumeOptions(run);
            for (const [name, o] of Object.entries(opts)) {
                assert.strictEqual(o.retainOnDelete, true, `${name} retainOnDelete`);
                assert.strictEqual(o.protect, stackName === "prod", `${name} protect`);
            }
            assert.strictEqual(Object.keys(opts).length, 4);
        });

        it(`runs ${stackName === "prod" ? 2 : 1} backend replica(s) with distinct names behind one alias`, function () {
            const backends = run.mocks.containers().filter((c) => service(c) === "backend");
            assert.strictEqual(backends.length, stackName === "prod" ? 2 : 1);
            backends.forEach((b, i) => {
                assert.strictEqual(b.inputs.name, `imstack-${stackName}-backend-${i + 1}`);
                assert.strictEqual(label(b, "com.imstack.replica"), String(i + 1));
                const edge = (unwrap(b.inputs.networksAdvanced) as Net[]).find((n) => n.name.endsWith("-edge"))!;
                assert.deepStrictEqual(edge.aliases, ["backend", `backend-${i + 1}`]);
            });
        });

        it("builds the app images from apps/ with the configured node base", function () {
            const images = run.mocks.byType("docker:index/image:Image");
            assert.deepStrictEqual(images.map((i) => i.inputs.imageName).sort(),
                ["backend", "backup", "next", "web"].map((a) => `imstack-${stackName}/${a}:latest`));
            for (const i of images) {
                const build = i.inputs.build as { args: Record<string, string>; context: string };
                assert.strictEqual(build.args.NODE_IMAGE, config.images.node);
                assert.match(build.context, /(apps\/(backend|web|next)|automation\/backup)$/);
                assert.strictEqual(i.inputs.skipPush, true);
            }
        });

        it("builds the backup job from the configured postgres image and schedules it from config", function () {
            const image = run.mocks.byType("docker:index/image:Image").find((i) => String(i.inputs.imageName).includes("/backup:"))!;
            assert.strictEqual((image.inputs.build as { args: Record<string, string> }).args.POSTGRES_IMAGE, config.images.postgres);
            const envs = unwrap(run.mocks.container("backup").inputs.envs) as string[];
            for (const e of [`STACK=${stackName}`, "BACKUP_SCHEDULE=0 2 * * *", "BACKUP_TIMEZONE=UTC",
                `RETENTION_DAYS=${config.backup.retentionDays}`, `KEEP_LAST=${config.backup.keepLast}`, "BACKUP_COMPONENTS=postgres,minio"]) {
                assert.ok(envs.includes(e), `${e} in ${envs.filter((x) => !/PASSWORD|KEY/.test(x)).join(" ")}`);
            }
            const vols = unwrap(run.mocks.container("backup").inputs.volumes) as Array<{ volumeName: string; containerPath: string }>;
            assert.deepStrictEqual(vols, [{ volumeName: `imstack-${stackName}-backups`, containerPath: "/backups" }]);
        });

        it("uploads an nginx config that routes every path and carries the upload limit", function () {
            const nginx = run.mocks.container("nginx");
            const uploads = unwrap(nginx.inputs.uploads) as Array<{ file: string; content: string }>;
            const conf = uploads.find((u) => u.file === "/etc/nginx/nginx.conf")!.content;
            assert.match(conf, new RegExp(`client_max_body_size ${config.limits.uploadMb * 1024 + MULTIPART_OVERHEAD_KB}k;`));
            for (const loc of ["location = /health", "location /api/", "location = /ws", "location /next", "location /"]) {
                assert.ok(conf.includes(loc), loc);
            }
        });
    });
}

/** retainOnDelete/protect of every Volume, from the captured resource options. */
function volumeOptions(run: MockRun): Record<string, pulumi.CustomResourceOptions> {
    const out: Record<string, pulumi.CustomResourceOptions> = {};
    for (const [key, o] of run.options) {
        if (key.startsWith("docker:index/volume:Volume::")) out[key.split("::")[1]] = o;
    }
    return out;
}

describe("program options", function () {
    it("gives the backup job its own egress network and a secret remote key when off-site copies are on", async function () {
        const run = await runStack(stackConfig("prod", { backup: { remote: { endpoint: "s3.example.com", bucket: "offsite-1", accessKey: "AK1", secretKey: "remote-secret-value" } } }));
        const backup = run.mocks.container("backup");
        const nets = (unwrap(backup.inputs.networksAdvanced) as Net[]).map((n) => n.name);
        assert.deepStrictEqual(nets, ["imstack-prod-data", "imstack-prod-backup-egress"]);
        assert.ok(isSecretValue(backup.inputs.envs), "envs carrying the remote key are secret");
        assert.ok((unwrap(backup.inputs.envs) as string[]).includes("REMOTE_S3_BUCKET=offsite-1"));
        for (const r of run.mocks.resources) assert.ok(!JSON.stringify(plainParts(r.inputs)).includes("remote-secret-value"), r.name);
    });

    it("leaves out the backup job, web and next when disabled", async function () {
        const run = await runStack(stackConfig("dev", { backup: { enabled: false }, app: { web: { enabled: false }, next: { enabled: false } } }));
        const services = run.mocks.containers().map(service).sort();
        assert.deepStrictEqual(services, ["backend", "dev-ports", "minio", "minio-init", "nginx", "postgres", "redis"]);
        const conf = (unwrap(run.mocks.container("nginx").inputs.uploads) as Array<{ file: string; content: string }>)
            .find((u) => u.file === "/etc/nginx/nginx.conf")!.content;
        assert.ok(!conf.includes("$web_upstream") && !conf.includes("$next_upstream"));
    });

    it("uses a prebuilt image from config instead of building", async function () {
        const run = await runStack(stackConfig("dev", { app: { backend: { image: "registry.example.com/chat/backend@sha256:" + "a".repeat(64) } } }));
        const images = run.mocks.byType("docker:index/image:Image").map((i) => String(i.inputs.imageName));
        assert.ok(!images.some((n) => n.includes("/backend:")), images.join(", "));
        assert.strictEqual(unwrap(run.mocks.container("backend-1").inputs.image), "registry.example.com/chat/backend@sha256:" + "a".repeat(64));
    });

    it("runs the file storage driver with one replica and a retained data volume", async function () {
        const run = await runStack(stackConfig("dev", { app: { backend: { storageDriver: "file" } } }));
        const vols = unwrap(run.mocks.container("backend-1").inputs.volumes) as Array<{ volumeName: string; containerPath: string }>;
        assert.deepStrictEqual(vols, [{ volumeName: "imstack-dev-backend-data", containerPath: "/app/data" }]);
        assert.strictEqual(run.options.get("docker:index/volume:Volume::imstack-app-backend-data")?.retainOnDelete, true);
    });
});
