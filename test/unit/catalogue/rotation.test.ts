// The catalogue's rotation targets in step with the program: changing rotation.<target>
// changes exactly the services whose rows list that target (their container's inputs or secret
// files; postgres through its ALTER ROLE step).
import * as assert from "assert";
import { ROTATION_TARGETS, serviceRows } from "../../../catalogue";
import { unwrap } from "../helpers/recordingMocks";
import { MockRun, runStack } from "../helpers/runStack";
import { secretFilesOf } from "../helpers/secretFiles";
import { stackConfig } from "../helpers/stackFiles";

type Label = { label: string; value: string };

/** Per service, everything its containers are created with, secret file contents included. */
function fingerprints(run: MockRun): Map<string, string> {
    const out = new Map<string, string>();
    for (const c of run.mocks.containers()) {
        const svc = (unwrap(c.inputs.labels) as Label[]).find((l) => l.label === "com.imstack.service")!.value;
        const files = [...secretFilesOf(run.mocks, c).entries()].map(([k, f]) => [k, f.value]);
        out.set(svc, (out.get(svc) ?? "") + JSON.stringify([unwrap(c.inputs), files]));
    }
    const roles = run.mocks.one("command:local:Command", "imstack-data-postgres-roles-apply");
    out.set("postgres", (out.get("postgres") ?? "") + JSON.stringify(unwrap(roles.inputs)));
    return out;
}

const VARIANTS = [
    { title: "seaweedfs", base: { objectStore: { engine: "seaweedfs" }, backup: { includeRedis: true } } },
    { title: "minio", base: { objectStore: { engine: "minio" }, backup: { includeRedis: true } } },
    // Every rotation target's services deployed: monitoring and the admin UI on.
    { title: "seaweedfs, monitoring and admin UI on", base: { objectStore: { engine: "seaweedfs" }, backup: { includeRedis: true }, monitoring: { enabled: true }, adminUi: { enabled: true } } },
];

for (const { title, base } of VARIANTS) {
    describe(`catalogue rotation targets in step with the program (${title})`, function () {
        let before0: Map<string, string>;
        before(async function () {
            before0 = fingerprints(await runStack(stackConfig("dev", base)));
        });

        for (const target of ROTATION_TARGETS) {
            it(`rotation.${target} changes the services whose rows list it`, async function () {
                const after = fingerprints(await runStack(stackConfig("dev", { ...base, rotation: { [target]: "2026-12-02" } })));
                const changed = [...after.keys()].filter((s) => after.get(s) !== before0.get(s)).sort();
                const listed = serviceRows().filter((r) => after.has(r.name) && (r.rotatedBy as readonly string[]).includes(target)).map((r) => r.name).sort();
                assert.deepStrictEqual(changed, listed);
            });
        }
    });
}
