import * as assert from "assert";
import { findService } from "../../catalogue";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../components/config";
import { MULTIPART_OVERHEAD_KB } from "../../nginx/render";
import { SECRET_VARIABLES } from "../support/secretVariables";
import { MINIO_BACKUP_USER, MINIO_ROOT_USER } from "../../components/dataTier";
import { isSecretValue, plainParts, Recorded, unwrap } from "./helpers/recordingMocks";
import { envList, secretFilesOf } from "./helpers/secretFiles";
import { MockRun, runStack } from "./helpers/runStack";
import { stackConfig } from "./helpers/stackFiles";

const CONTAINER = "docker:index/container:Container";
// These assertions describe the minio engine, which existing deployments keep; the other
// engines have their own file (objectStore.program.test.ts).
const MINIO = { objectStore: { engine: "minio" } };
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
            config = stackConfig(stackName, MINIO);
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
                // Studio: dev's admin UI on 127.0.0.1:3001.
                assert.deepStrictEqual(published, ["backend", "dev-ports", "next", "nginx", "studio", "web"]);
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
                // With monitoring on (prod), the scraped ones also join the internal monitoring network.
                const scraped = stackName === "prod" && findService(svc)?.metrics !== undefined;
                assert.deepStrictEqual(nets.map((n) => n.name), [`imstack-${stackName}-data`, ...(scraped ? [`imstack-${stackName}-monitoring`] : [])], svc);
                assert.strictEqual(c.inputs.networkMode, `imstack-${stackName}-data`, `${svc} networkMode`);
                assert.deepStrictEqual(nets[0].aliases, [svc]);
            }
            const nginx = run.mocks.container("nginx");
            assert.deepStrictEqual((unwrap(nginx.inputs.networksAdvanced) as Net[]).map((n) => n.name), [`imstack-${stackName}-edge`]);
            for (const b of run.mocks.containers().filter((c) => service(c) === "backend")) {
                assert.deepStrictEqual((unwrap(b.inputs.networksAdvanced) as Net[]).map((n) => n.name).sort(),
                    [`imstack-${stackName}-data`, `imstack-${stackName}-edge`, ...(stackName === "prod" ? [`imstack-${stackName}-monitoring`] : [])]);
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

        it("puts no secret in any container's environment or command line", function () {
            // Every secret a file carries, generated or derived (JWT and backup keys), and the
            // generated passwords themselves.
            const secrets = new Set(run.mocks.generatedSecrets);
            for (const c of run.mocks.containers()) for (const f of secretFilesOf(run.mocks, c).values()) if (f.value.length >= 16) secrets.add(f.value);
            assert.ok(secrets.size >= 10, `secrets found: ${secrets.size}`);
            for (const c of run.mocks.containers()) {
                const envs = envList(c);
                for (const e of envs) {
                    const key = e.slice(0, e.indexOf("="));
                    assert.ok(!SECRET_VARIABLES.includes(key), `${c.inputs.name} has ${key} in its environment`);
                    for (const v of secrets) assert.ok(!e.includes(v), `${c.inputs.name} env ${key} holds a secret`);
                }
                const argv = JSON.stringify([unwrap(c.inputs.command), unwrap(c.inputs.entrypoints), unwrap(c.inputs.healthcheck)]);
                for (const v of secrets) assert.ok(!argv.includes(v), `${c.inputs.name} command line holds a secret`);
            }
        });

        it("passes every credential as a secret file of mode 0400 owned by the user that reads it", function () {
            // The mocks record passwords in the order they register the RandomPasswords.
            const pw = (part: string) => {
                const i = run.mocks.byType("random:index/randomPassword:RandomPassword").findIndex((r) => r.name === `imstack-secrets-${part}`);
                assert.ok(i >= 0, `no password ${part}`);
                return run.mocks.generatedSecrets[i];
            };
            const expected: Array<[string, string, Record<string, string | RegExp>]> = [
                ["postgres", "0", { POSTGRES_PASSWORD: pw("postgres-bootstrap") }],
                ["minio", "0", { MINIO_ROOT_USER: MINIO_ROOT_USER, MINIO_ROOT_PASSWORD: pw("minio-root") }],
                ["minio-init", "0", { MINIO_ROOT_PASSWORD: pw("minio-root"), APP_SECRET_KEY: pw("minio-app"), BACKUP_SECRET_KEY: pw("minio-backup") }],
                ["backup", "0", { PGPASSWORD: pw("postgres-admin"), S3_SECRET_KEY: pw("minio-backup"), BACKUP_KEY: /^[0-9a-f]{64}$/, BACKUP_PREVIOUS_KEYS: /^([0-9a-f]{64}(,|$))*$/ }],
            ];
            for (const b of run.mocks.containers().filter((c) => service(c) === "backend")) {
                expected.push([String(b.inputs.name).replace(`imstack-${stackName}-`, ""), "1000", {
                    DATABASE_URL: `postgres://imstack_app:${pw("postgres-app")}@postgres:5432/imstack`,
                    REDIS_URL: `redis://:${pw("redis")}@redis:6379/0`,
                    S3_SECRET_KEY: pw("minio-app"),
                    JWT_SECRET: /^[0-9a-f]{64}$/,
                    JWT_SECRET_PREVIOUS: /^[0-9a-f]{64}$/,
                }]);
            }
            for (const [svc, uid, vars] of expected) {
                const c = run.mocks.container(svc);
                const files = secretFilesOf(run.mocks, c);
                assert.deepStrictEqual([...files.keys()].sort(), Object.keys(vars).sort(), `${svc} secret files`);
                for (const [variable, want] of Object.entries(vars)) {
                    const f = files.get(variable)!;
                    assert.ok(f.secret, `${svc} ${variable} is not a Pulumi secret`);
                    assert.strictEqual(f.permissions, "0400", `${svc} ${variable} mode`);
                    assert.deepStrictEqual([f.owner, f.group], [uid, uid], `${svc} ${variable} owner`);
                    assert.match(f.path, /^\/run\/secrets\/[a-z0-9-]+$/);
                    if (typeof want === "string") assert.strictEqual(f.value, want, `${svc} ${variable}`);
                    else assert.match(f.value, want, `${svc} ${variable}`);
                }
            }
            const redis = run.mocks.container("redis");
            const up = redis.inputs.uploads;
            assert.ok(isSecretValue(up) || isSecretValue((up as Array<Record<string, unknown>>)[0].content), "redis.conf is not secret");
            const conf = (unwrap(up) as Array<{ file: string; content: string; permissions: string; owner: string }>)[0];
            assert.match(conf.content, new RegExp(`^requirepass ${pw("redis")}$`, "m"));
            assert.deepStrictEqual([conf.permissions, conf.owner], ["0400", "999"], "redis.conf is for the redis user only");
            assert.match((unwrap(redis.inputs.healthcheck) as { tests: string[] }).tests.join(" "), /REDISCLI_AUTH="\$\(sed -n 's\/\^requirepass \/\/p' \/usr\/local\/etc\/redis\/redis.conf\)"/);
            const cmd = run.mocks.byType("command:local:Command")[0];
            assert.ok(isSecretValue(cmd.inputs.stdin), "ALTER ROLE stdin is not secret");
            assert.ok(!String(unwrap(cmd.inputs.create)).match(/Pw[0-9a-f]{30}/), "password in the command line");
        });

        it("gives the backup job its own bucket-scoped MinIO identity, and the init job empties its secret files", function () {
            const backupEnv = envList(run.mocks.container("backup"));
            assert.ok(backupEnv.includes(`S3_ACCESS_KEY=${MINIO_BACKUP_USER}`), backupEnv.join(" "));
            const init = run.mocks.container("minio-init");
            const uploads = unwrap(init.inputs.uploads) as Array<{ file: string; content: string }>;
            for (const policy of ["imstack-app", "imstack-backup"]) {
                const doc = JSON.parse(uploads.find((u) => u.file === `/etc/imstack/${policy}.json`)!.content) as { Statement: Array<{ Action: string[]; Resource: string[] }> };
                for (const st of doc.Statement) {
                    for (const r of st.Resource) assert.match(r, /^arn:aws:s3:::imstack(\/\*)?$/, `${policy} reaches ${r}`);
                    for (const a of st.Action) assert.match(a, /^s3:[A-Za-z]+$/, `${policy} grants ${a}`);
                }
                const actions = doc.Statement.flatMap((st) => st.Action);
                assert.strictEqual(actions.includes("s3:CreateBucket"), policy === "imstack-backup", `${policy} s3:CreateBucket`);
            }
            const script = (unwrap(init.inputs.command) as string[]).join("\n");
            assert.match(script, /mc admin user add imstack "\$BACKUP_ACCESS_KEY" "\$backup_secret"/);
            assert.match(script, /mc admin policy attach imstack imstack-backup --user "\$BACKUP_ACCESS_KEY"/);
            // Each file is read once and truncated.
            assert.match(script, /take\(\) \{[^}]*: > "\$1"/);
            for (const v of ["MINIO_ROOT_PASSWORD", "APP_SECRET_KEY", "BACKUP_SECRET_KEY"]) assert.match(script, new RegExp(`\\$\\(take "\\$${v}_FILE"\\)`), v);
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

        it("never uploads files into a read-only container (Docker refuses the copy): its secrets come from a read-only volume", function () {
            for (const c of run.mocks.containers()) {
                if (c.inputs.readOnly !== true) continue;
                assert.ok(!c.inputs.uploads || (unwrap(c.inputs.uploads) as unknown[]).length === 0, `${c.inputs.name}`);
                const files = secretFilesOf(run.mocks, c);
                if (files.size === 0) continue;
                const mount = (unwrap(c.inputs.volumes) as Array<{ containerPath: string; readOnly?: boolean; volumeName: string }>).find((v) => v.containerPath === "/run/secrets")!;
                assert.strictEqual(mount.readOnly, true, `${c.inputs.name} mounts its secrets read-only`);
                const writer = [...files.values()][0].via;
                assert.notStrictEqual(writer, c);
                assert.strictEqual(writer.inputs.readOnly, undefined);
                assert.strictEqual(writer.inputs.networkMode, "none");
                assert.strictEqual(writer.inputs.user, "1000:1000", "the writer checks the files as the reading user");
                assert.ok(!writer.inputs.envs || (unwrap(writer.inputs.envs) as string[]).length === 0, "the writer has no environment");
                assert.strictEqual(label(c, "com.imstack.secrets"), `${writer.name}-id`, "new secrets replace the container");
            }
        });

        it("keeps data volumes on destroy, and protects them in prod", function () {
            // Resource options are not visible to mocks, so check them on the resource objects.
            const volumes = run.mocks.byType("docker:index/volume:Volume");
            // Prod adds the monitoring tier's Prometheus and Alertmanager volumes.
            const monitoringVolumes = stackName === "prod" ? ["alertmanager-data", "prometheus-data"] : [];
            assert.deepStrictEqual(volumes.map((v) => v.inputs.name).sort(),
                [...monitoringVolumes, "backend-secrets", "backups", "minio", "postgres", "redis"].map((p) => `imstack-${stackName}-${p}`).sort());
            const opts = volumeOptions(run);
            for (const [name, o] of Object.entries(opts)) {
                // The secrets volume holds nothing the next `up` does not write again; metrics
                // history and silences are not the users' data.
                const data = !name.endsWith("-backend-secrets-volume") && !/-(prometheus|alertmanager)-data$/.test(name);
                assert.strictEqual(o.retainOnDelete, data ? true : undefined, `${name} retainOnDelete`);
                assert.strictEqual(o.protect, data ? stackName === "prod" : undefined, `${name} protect`);
            }
            assert.strictEqual(Object.keys(opts).length, 5 + monitoringVolumes.length);
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
            assert.deepStrictEqual(vols.find((v) => v.containerPath === "/backups"), { volumeName: `imstack-${stackName}-backups`, containerPath: "/backups" });
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
        const run = await runStack(stackConfig("prod", { ...MINIO, backup: { remote: { endpoint: "s3.example.com", bucket: "offsite-1", accessKey: "AK1", secretKey: "remote-secret-value" } } }));
        const backup = run.mocks.container("backup");
        const nets = (unwrap(backup.inputs.networksAdvanced) as Net[]).map((n) => n.name);
        assert.deepStrictEqual(nets, ["imstack-prod-data", "imstack-prod-monitoring", "imstack-prod-backup-egress"]);
        const remote = secretFilesOf(run.mocks, backup).get("REMOTE_S3_SECRET_KEY");
        assert.ok(remote && remote.secret && remote.value === "remote-secret-value" && remote.permissions === "0400", "the remote key is a secret file");
        assert.ok((unwrap(backup.inputs.envs) as string[]).includes("REMOTE_S3_BUCKET=offsite-1"));
        for (const r of run.mocks.resources) assert.ok(!JSON.stringify(plainParts(r.inputs)).includes("remote-secret-value"), r.name);
    });

    it("leaves out the backup job, web and next when disabled", async function () {
        const run = await runStack(stackConfig("dev", { ...MINIO, backup: { enabled: false }, adminUi: { enabled: false }, app: { web: { enabled: false }, next: { enabled: false } } }));
        const services = run.mocks.containers().map(service).sort();
        assert.deepStrictEqual(services, ["backend", "backend-secrets", "dev-ports", "minio", "minio-init", "nginx", "postgres", "redis"]);
        const conf = (unwrap(run.mocks.container("nginx").inputs.uploads) as Array<{ file: string; content: string }>)
            .find((u) => u.file === "/etc/nginx/nginx.conf")!.content;
        assert.ok(!conf.includes("$web_upstream") && !conf.includes("$next_upstream"));
    });

    it("uses a prebuilt image from config instead of building", async function () {
        const run = await runStack(stackConfig("dev", { ...MINIO, app: { backend: { image: "registry.example.com/chat/backend@sha256:" + "a".repeat(64) } } }));
        const images = run.mocks.byType("docker:index/image:Image").map((i) => String(i.inputs.imageName));
        assert.ok(!images.some((n) => n.includes("/backend:")), images.join(", "));
        assert.strictEqual(unwrap(run.mocks.container("backend-1").inputs.image), "registry.example.com/chat/backend@sha256:" + "a".repeat(64));
    });

    it("runs the file storage driver with one replica and a retained data volume", async function () {
        const run = await runStack(stackConfig("dev", { ...MINIO, app: { backend: { storageDriver: "file" } } }));
        const vols = unwrap(run.mocks.container("backend-1").inputs.volumes) as Array<{ volumeName: string; containerPath: string }>;
        assert.deepStrictEqual(vols.find((v) => v.containerPath === "/app/data"), { volumeName: "imstack-dev-backend-data", containerPath: "/app/data" });
        assert.strictEqual(run.options.get("docker:index/volume:Volume::imstack-app-backend-data")?.retainOnDelete, true);
    });
});
