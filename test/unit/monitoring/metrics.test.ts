// monitoring/metrics.ts: valid, distinct names, and the backend's prom-client registry defines
// every imstack_ series the dashboards and rules expect of it.
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import * as metrics from "../../../monitoring/metrics";

const GROUPS = [
    metrics.BACKEND_METRICS, metrics.BACKUP_METRICS, metrics.POSTGRES_METRICS, metrics.REDIS_METRICS,
    metrics.NGINX_METRICS, metrics.OBJECTSTORE_METRICS, metrics.CONTAINER_METRICS, metrics.NODE_METRICS, metrics.TLS_METRICS,
];

describe("monitoring: metric names", () => {
    it("are valid Prometheus metric names, each listed once", () => {
        const names = GROUPS.flatMap((g) => Object.values(g));
        for (const n of names) assert.match(n, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, n);
        assert.equal(new Set(names).size, names.length);
    });

    it("are all defined by the backend's registry for the backend's own series", () => {
        const registry = readFileSync(join(__dirname, "../../../apps/backend/src/metrics/registry.ts"), "utf8");
        for (const n of Object.values(metrics.BACKEND_METRICS).filter((x) => x.startsWith("imstack_"))) assert.ok(registry.includes(n), n);
    });

    it("give every replica its own target on the metrics port, never the app port", () => {
        assert.deepEqual(metrics.backendTarget(2), { host: "backend-2", port: 9464 });
        assert.notEqual(metrics.BACKEND_METRICS_PORT, 4000);
    });
});
