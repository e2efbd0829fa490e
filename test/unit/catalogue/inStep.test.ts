// The catalogue and what the program deploys, held in step: every container the program
// creates (dev and prod, each object-store engine, every optional service on) has a row that
// says its tier, lifecycle, aliases and secret files, and every row has a container somewhere.
import * as assert from "assert";
import { findService, serviceRows } from "../../../catalogue";
import { Recorded, unwrap } from "../helpers/recordingMocks";
import { runStack } from "../helpers/runStack";
import { stackConfig } from "../helpers/stackFiles";

type Label = { label: string; value: string };
type Net = { name: string; aliases: string[] };

const label = (c: Recorded, key: string) => (unwrap(c.inputs.labels) as Label[]).find((l) => l.label === key)?.value;
const envs = (c: Recorded) => (unwrap(c.inputs.envs) as string[] | undefined) ?? [];

const EXTERNAL = { endpoint: "s3.example.net", bucket: "chat-uploads", accessKey: "AKEXTERNAL", secretKey: "external-secret-value-123" };
const VARIANTS: Array<[string, "dev" | "prod", Record<string, unknown>]> = [
    ["dev, seaweedfs", "dev", {}],
    ["prod, seaweedfs", "prod", {}],
    ["dev, minio", "dev", { objectStore: { engine: "minio" } }],
    ["prod, minio", "prod", { objectStore: { engine: "minio" } }],
    ["dev, external, redis in backups, off-site copies", "dev", {
        objectStore: { engine: "external", external: EXTERNAL },
        backup: { includeRedis: true, remote: { endpoint: "s3.example.com", bucket: "offsite-1", accessKey: "AK1", secretKey: "remote-secret-value" } },
    }],
];

describe("service catalogue in step with the program", function () {
    const seen = new Set<string>();

    for (const [title, stack, overrides] of VARIANTS) {
        it(`gives every container of the ${title} stack a row that matches it`, async function () {
            const run = await runStack(stackConfig(stack, overrides));
            const problems: string[] = [];
            for (const c of run.mocks.containers()) {
                const svc = label(c, "com.imstack.service") ?? "";
                const row = findService(svc);
                if (!row) {
                    problems.push(`${c.inputs.name}: service ${JSON.stringify(svc)} has no catalogue row`);
                    continue;
                }
                seen.add(svc);
                if (label(c, "com.imstack.tier") !== row.tier) problems.push(`${svc}: tier label ${label(c, "com.imstack.tier")}, row ${row.tier}`);
                const oneShot = c.inputs.restart === "no";
                if (oneShot !== (row.lifecycle === "one-shot")) problems.push(`${svc}: deployed as ${oneShot ? "one-shot" : "service"}, row says ${row.lifecycle}`);
                const nets = (unwrap(c.inputs.networksAdvanced) as Net[] | undefined) ?? [];
                for (const n of row.networks) {
                    const net = nets.find((x) => x.name === `imstack-${stack}-${n}`);
                    if (!net) problems.push(`${svc}: not on the ${n} network its row names`);
                    else if (row.alias?.network === n && !net.aliases.includes(row.alias.name)) problems.push(`${svc}: no alias ${row.alias.name} on ${n}`);
                }
                const shared = nets.filter((x) => /-(data|edge)$/.test(x.name)).map((x) => x.name.replace(`imstack-${stack}-`, ""));
                for (const n of shared) if (!(row.networks as readonly string[]).includes(n)) problems.push(`${svc}: on the ${n} network, which its row does not name`);
                const files = envs(c).filter((e) => /^[A-Z0-9_]+_FILE=\/run\/secrets\//.test(e)).map((e) => e.slice(0, e.indexOf("_FILE=")));
                for (const v of files) if (!row.secrets.includes(v)) problems.push(`${svc}: secret file ${v} is not in its row`);
                const port = envs(c).find((e) => e.startsWith("PORT="));
                if (port && row.port !== undefined && port !== `PORT=${row.port}`) problems.push(`${svc}: ${port}, row port ${row.port}`);
            }
            const conf = (unwrap(run.mocks.container("nginx").inputs.uploads) as Array<{ file: string; content: string }>)
                .find((u) => u.file === "/etc/nginx/nginx.conf")!.content;
            for (const row of serviceRows().filter((r) => r.routes.length > 0 && seen.has(r.name))) {
                for (const route of row.routes) {
                    if (!conf.includes(`location ${route.location} {`)) problems.push(`${row.name}: nginx has no location ${route.location}`);
                }
                if (!conf.includes(` ${row.alias!.name}:${row.port};`)) problems.push(`${row.name}: nginx does not proxy to ${row.alias!.name}:${row.port}`);
            }
            assert.deepStrictEqual(problems, []);
        });
    }

    it("has a container for every row in at least one of those stacks", function () {
        const missing = serviceRows().map((r) => r.name).filter((n) => !seen.has(n));
        assert.deepStrictEqual(missing, [], "rows with no container");
    });
});
