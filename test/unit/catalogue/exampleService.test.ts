// Adding a service touches its catalogue row and its component alone: this example (a small
// metrics service in a new "monitoring" tier, routed by nginx at /metrics-ui/) is registered
// through the catalogue's and ImStack's extension points, and nothing else is edited. The
// program deploys it with its limits from config, nginx routes to it, the in-step check covers
// it, and imctl's status, start, stop and health order and check it.
import * as assert from "assert";
import type * as docker from "@pulumi/docker";
import { registerService, ServiceRow } from "../../../catalogue";
import { ServiceAddon } from "../../../components/addons";
import { healthcheck, serviceContainer } from "../../../components/service";
import { rowNetworks } from "../../../components/placement";
import { pulledImage } from "../../../components/images";
import { servicesHelp } from "../../../automation/lifecycle";
import { catalogueMismatches } from "../helpers/catalogueCheck";
import { unwrap } from "../helpers/recordingMocks";
import { runStack } from "../helpers/runStack";
import { stackConfig } from "../helpers/stackFiles";
import { container, harness, imctl } from "../imctl/support/fakes";

// The row: all a new service tells the rest of the stack.
const ROW: ServiceRow = {
    name: "example-metrics", tier: "monitoring", networks: ["data", "edge"], alias: { name: "example-metrics", network: "edge" }, port: 9099,
    lifecycle: "service", critical: false, startsAfter: ["backend"], secrets: ["METRICS_TOKEN"],
    routes: [{ location: "/metrics-ui/", profile: "page" }], rotatedBy: [],
    resources: { dev: { memoryMb: 96, cpus: 0.25 }, prod: { memoryMb: 192, cpus: 0.5 } },
};

// The component: a container built from the row, the placement and the config.
const EXAMPLE: ServiceAddon = {
    service: ROW.name,
    deploy(name, ctx): docker.Container[] {
        const limits = (ctx.config.resources as Record<string, { memoryMb: number; cpus: number }>)[ROW.name];
        return [serviceContainer(`${name}-container`, {
            stack: ctx.placement.stack,
            service: ROW.name,
            tier: ROW.tier,
            image: pulledImage(`${name}-image`, "prom/prometheus:v3.0.0", ctx.parent),
            networks: rowNetworks(ctx.placement, ROW),
            envs: [`PORT=${ROW.port}`],
            secrets: { files: [{ variable: "METRICS_TOKEN", value: ctx.endpoints.redis.password }], uid: 65534 },
            healthcheck: healthcheck(["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${ROW.port}/-/ready`]),
            resources: limits,
            healthTimeoutSeconds: ctx.placement.healthTimeoutSeconds,
        }, { parent: ctx.parent, dependsOn: ctx.after })];
    },
};

describe("example service: one catalogue row plus its component", function () {
    let unregister: () => void;
    before(function () {
        unregister = registerService(ROW);
    });
    after(function () {
        unregister();
    });

    it("is deployed by the program with its row's tier, networks, alias, limits from config and start order", async function () {
        const config = stackConfig("dev", { resources: { "example-metrics": { memoryMb: 128 } } });
        const run = await runStack(config, {}, [EXAMPLE]);
        const c = run.mocks.container("example-metrics");
        const labels = unwrap(c.inputs.labels) as Array<{ label: string; value: string }>;
        assert.strictEqual(labels.find((l) => l.label === "com.imstack.tier")?.value, "monitoring");
        assert.deepStrictEqual(unwrap(c.inputs.networksAdvanced), [
            { name: "imstack-dev-data", aliases: [] }, { name: "imstack-dev-edge", aliases: ["example-metrics"] },
        ]);
        assert.strictEqual(c.inputs.memory, 128, "limits configured through imstack:resources.example-metrics");
        assert.strictEqual(c.inputs.cpus, "0.25", "the row's default for the rest");
        const after = run.options.get("docker:index/container:Container::imstack-example-metrics-container")?.dependsOn as unknown[];
        assert.ok(Array.isArray(after) && after.length === config.app.backend.replicas, "starts after the backends (its startsAfter)");
        const outputs = run.outputs.containers as Record<string, string[]>;
        assert.deepStrictEqual(outputs["example-metrics"], ["imstack-dev-example-metrics"]);
        assert.deepStrictEqual(catalogueMismatches(run, "dev"), [], "the in-step check covers it");
        const conf = (unwrap(run.mocks.container("nginx").inputs.uploads) as Array<{ file: string; content: string }>)
            .find((u) => u.file === "/etc/nginx/nginx.conf")!.content;
        const block = conf.slice(conf.indexOf("location /metrics-ui/ {"), conf.indexOf("\n        }\n", conf.indexOf("location /metrics-ui/ {")));
        assert.ok(block.includes("set $example_metrics_upstream example-metrics:9099;") && block.includes("proxy_pass http://$example_metrics_upstream;"), block);
    });

    it("is refused by the in-step check when its component deploys it differently from its row", async function () {
        const wrongTier: ServiceAddon = { ...EXAMPLE, deploy: (name, ctx) => EXAMPLE.deploy(name, { ...ctx, placement: { ...ctx.placement, networks: { ...ctx.placement.networks, edge: ctx.placement.networks.data } } }) };
        const run = await runStack(stackConfig("dev"), {}, [wrongTier]);
        assert.deepStrictEqual(catalogueMismatches(run, "dev"), ["example-metrics: not on the edge network its row names"]);
    });

    it("leaves its row without a container when the component is not registered (what the in-step test's last check refuses)", async function () {
        const seen = new Set<string>();
        catalogueMismatches(await runStack(stackConfig("dev")), "dev", seen);
        assert.ok(!seen.has("example-metrics"));
    });

    it("is ordered, started, stopped and checked by imctl from its row", async function () {
        const h = harness();
        h.docker.containers.push(container("example-metrics", { tier: "monitoring", networks: { "imstack-dev-edge": "172.21.0.40" } }));

        const status = await imctl(h, "status");
        assert.strictEqual(status.code, 0, status.stderr);
        assert.deepStrictEqual(status.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s+/)[0]),
            ["postgres", "redis", "minio", "minio-init", "backend-1", "backend-2", "web", "next", "nginx", "example-metrics"]);

        const stop = await imctl(h, "stop");
        assert.strictEqual(stop.code, 0, stop.stderr);
        assert.strictEqual(h.docker.actions[0], "stop imstack-dev-example-metrics t=30", "its tier stops first");
        h.docker.actions.length = 0;
        const start = await imctl(h, "start");
        assert.strictEqual(start.code, 0, start.stderr);
        assert.strictEqual(h.docker.actions.at(-1), "start imstack-dev-example-metrics", "its tier starts last");

        h.docker.containers.find((c) => c.service === "example-metrics")!.health = "unhealthy";
        const health = await imctl(h, "health");
        assert.match(health.stdout, /container example-metrics.*unhealthy/);
        assert.strictEqual(health.code, 1, "not critical: degraded, not down");

        assert.match(servicesHelp(), /grafana, example-metrics, postgres-meta/);
    });
});
