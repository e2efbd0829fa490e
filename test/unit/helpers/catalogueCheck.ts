// Where what a mock run deployed and the service catalogue disagree: a container with no row,
// or one whose tier, lifecycle, networks, alias, secret files, PORT or nginx routes differ from it.
import { findService, serviceRows } from "../../../catalogue";
import { Recorded, unwrap } from "./recordingMocks";
import { MockRun } from "./runStack";

type Label = { label: string; value: string };
type Net = { name: string; aliases: string[] };

const label = (c: Recorded, key: string) => (unwrap(c.inputs.labels) as Label[]).find((l) => l.label === key)?.value;
const envs = (c: Recorded) => (unwrap(c.inputs.envs) as string[] | undefined) ?? [];

/** The mismatches, [] when none; adds the service of every container with a row to `seen`. */
export function catalogueMismatches(run: MockRun, stack: string, seen = new Set<string>()): string[] {
    const problems: string[] = [];
    const here = new Set<string>();
    for (const c of run.mocks.containers()) {
        const svc = label(c, "com.imstack.service") ?? "";
        const row = findService(svc);
        if (!row) {
            problems.push(`${c.inputs.name}: service ${JSON.stringify(svc)} has no catalogue row`);
            continue;
        }
        seen.add(svc);
        here.add(svc);
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
        // A scraped row (metrics) joins the monitoring network without naming it, under its alias.
        const monitoringNet = nets.find((x) => x.name === `imstack-${stack}-monitoring`);
        if (monitoringNet && !(row.networks as readonly string[]).includes("monitoring")) {
            if (!row.metrics) problems.push(`${svc}: on the monitoring network, which its row neither names nor is scraped on`);
            else if (!monitoringNet.aliases.includes(row.alias!.name)) problems.push(`${svc}: scraped, but no alias ${row.alias!.name} on the monitoring network`);
        }
        // `X_FILE`, or Grafana's `X__FILE`.
        const files = envs(c).filter((e) => /^[A-Z0-9_]+_FILE=\/run\/secrets\//.test(e)).map((e) => e.slice(0, e.indexOf("_FILE=")).replace(/_$/, ""));
        for (const v of files) if (!row.secrets.includes(v)) problems.push(`${svc}: secret file ${v} is not in its row`);
        const port = envs(c).find((e) => e.startsWith("PORT="));
        if (port && row.port !== undefined && port !== `PORT=${row.port}`) problems.push(`${svc}: ${port}, row port ${row.port}`);
    }
    const conf = (unwrap(run.mocks.container("nginx").inputs.uploads) as Array<{ file: string; content: string }>)
        .find((u) => u.file === "/etc/nginx/nginx.conf")!.content;
    for (const row of serviceRows().filter((r) => r.routes.length > 0 && here.has(r.name))) {
        for (const route of row.routes) {
            if (!conf.includes(`location ${route.location} {`)) problems.push(`${row.name}: nginx has no location ${route.location}`);
        }
        if (!conf.includes(` ${row.alias!.name}:${row.port};`)) problems.push(`${row.name}: nginx does not proxy to ${row.alias!.name}:${row.port}`);
    }
    return problems;
}
