import * as assert from "assert";
import { catalogueProblems, longRunningServices, registerService, serviceRows, ServiceRow } from "../../../catalogue";

describe("service catalogue rows", function () {
    it("keep the catalogue's rules (unique names, start order, aliases on joined networks, routes with ports)", function () {
        assert.deepStrictEqual(catalogueProblems(serviceRows()), []);
    });

    it("list the long-running services in start order", function () {
        assert.deepStrictEqual(longRunningServices(),
            ["postgres", "redis", "seaweedfs", "minio", "backup", "dev-ports", "backend", "web", "next", "nginx",
                "prometheus", "alertmanager", "postgres-exporter", "redis-exporter", "nginx-exporter", "node-exporter", "cadvisor",
                "blackbox-exporter", "grafana", "postgres-meta", "studio"]);
    });

    it("refuse a row that breaks the rules, naming each problem", function () {
        const bad: ServiceRow = {
            name: "broken", tier: "app", networks: ["data"], alias: { name: "broken", network: "edge" }, port: 70000,
            lifecycle: "service", critical: false, startsAfter: ["nowhere"], secrets: ["lower"],
            routes: [{ location: "/api/", profile: "page" }], rotatedBy: [],
        };
        assert.throws(() => registerService(bad), (e: Error) => {
            for (const part of ["starts after nowhere", "alias is on edge", "port 70000", "route /api/ is backend's", "secret variable lower"]) {
                assert.ok(e.message.includes(part), `${part} in ${e.message}`);
            }
            return true;
        });
        assert.ok(!serviceRows().some((r) => r.name === "broken"));
    });

    it("take a registered row until it is removed again", function () {
        const remove = registerService({
            name: "extra", tier: "admin", networks: ["data"], lifecycle: "service", critical: false,
            startsAfter: ["postgres"], secrets: [], routes: [], rotatedBy: [],
        });
        try {
            assert.strictEqual(longRunningServices().at(-1), "extra");
        } finally {
            remove();
        }
        assert.ok(!longRunningServices().includes("extra"));
    });
});
