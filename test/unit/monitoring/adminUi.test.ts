// The admin UI (Studio + postgres-meta): behind nginx's basic auth in prod, the imstack_studio
// role with row rights only, its password and the htpasswd line only as secrets.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { AdminUi, htpasswdLine } from "../../../components/adminUi";
import { isSecretValue, RecordingMocks, settled, unwrap } from "../helpers/recordingMocks";
import { envList, secretFilesOf } from "../helpers/secretFiles";
import { MockRun, runStack } from "../helpers/runStack";
import { stackConfig } from "../helpers/stackFiles";

describe("admin UI (prod stack with adminUi on)", function () {
    let run: MockRun;
    before(async function () {
        run = await runStack(stackConfig("prod", { adminUi: { enabled: true } }));
    });

    it("routes /studio/ behind basic auth; the htpasswd upload is secret and holds {SSHA}, not the password", async function () {
        const nginx = run.mocks.container("nginx");
        const all = unwrap(nginx.inputs.uploads) as Array<{ file: string; content: string }>;
        const conf = all.find((u) => u.file === "/etc/nginx/nginx.conf")!.content;
        assert.match(conf, /location \/studio\//);
        const ht = all.find((u) => /htpasswd\/studio$/.test(u.file))!;
        assert.match(ht.content, /^admin:\{SSHA\}[A-Za-z0-9+/=]+\n$/);
        for (const s of run.mocks.generatedSecrets) assert.ok(!ht.content.includes(s), "password in htpasswd");
        const raw = nginx.inputs.uploads;
        assert.ok(isSecretValue(raw) || (raw as unknown[]).some((u) => isSecretValue(u) || isSecretValue((u as Record<string, unknown>).content)), "htpasswd not secret");
        assert.strictEqual(await pulumi.isSecret(run.stack.studioCredentials!), true);
        for (const svc of ["studio", "postgres-meta"]) assert.deepStrictEqual(unwrap(run.mocks.container(svc).inputs.ports) ?? [], [], `${svc} publishes in prod`);
    });

    it("logs postgres-meta in as imstack_studio with its password as a file; the role has row rights only", function () {
        const meta = run.mocks.container("postgres-meta");
        assert.ok(envList(meta).includes("PG_META_DB_USER=imstack_studio"));
        const f = secretFilesOf(run.mocks, meta).get("PG_META_DB_PASSWORD");
        assert.ok(f && f.secret && f.permissions === "0400" && f.path === "/run/secrets/pg-meta-db-password");
        const sql = String(unwrap(run.mocks.byType("command:local:Command")[0].inputs.stdin));
        assert.match(sql, /ALTER ROLE imstack_studio WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION/);
        const grants = sql.split("\n").filter((l) => /imstack_studio/.test(l) && /GRANT/.test(l));
        for (const g of grants) assert.doesNotMatch(g, /GRANT ALL|CREATE ON|TRUNCATE|REFERENCES|TRIGGER|OWNER|pg_write_server_files|pg_execute_server_program/, g);
        assert.ok(grants.some((g) => g.includes("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO imstack_studio;")));
        assert.doesNotMatch(sql, /OWNER TO imstack_studio|CREATEROLE imstack_studio/);
    });
});

describe("AdminUi on its own under mocks", function () {
    it("places postgres-meta on data only and publishes Studio on 127.0.0.1 when told to", async function () {
        const mocks = new RecordingMocks();
        await pulumi.runtime.setMocks(mocks, "imstack", "t", false);
        const ui = new AdminUi("t-admin", {
            placement: { stack: "t", networks: { data: "t-data", edge: "t-edge" }, healthTimeoutSeconds: 60, publish: true, build: { projectDir: "/x", nodeImage: "node", buildArgs: {} } },
            images: { studio: "studio:1", postgresMeta: "meta:1" },
            ports: { studio: 3001 },
            resources: { studio: { memoryMb: 512, cpus: 1 }, "postgres-meta": { memoryMb: 128, cpus: 0.5 } },
            databasePassword: pulumi.secret("pw-studio-direct"),
            after: [],
        });
        await settled(ui.studio.name, ui.postgresMeta.name);
        const meta = mocks.container("postgres-meta");
        assert.deepStrictEqual((unwrap(meta.inputs.networksAdvanced) as Array<{ name: string }>).map((n) => n.name), ["t-data"]);
        assert.deepStrictEqual((unwrap(mocks.container("studio").inputs.ports) as Array<{ ip: string; external: number }>).map((p) => [p.ip, p.external]), [["127.0.0.1", 3001]]);
        assert.ok(!JSON.stringify(envList(meta)).includes("pw-studio-direct"));
        for (const c of mocks.containers()) assert.ok(Number(c.inputs.memory) > 0);
        assert.ok(!htpasswdLine("admin", "pw-studio-direct").includes("pw-studio-direct"));
    });
});
