import * as assert from "assert";
import { unwrap } from "./helpers/recordingMocks";
import { MockRun, runStack } from "./helpers/runStack";
import { secretFilesOf } from "./helpers/secretFiles";
import { stackConfig } from "./helpers/stackFiles";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const COMMAND = "command:local:Command";

function envOf(run: MockRun, name: string): string[] {
    const c = run.mocks.containers().find((x) => x.inputs.name === name);
    assert.ok(c, `container ${name}`);
    return unwrap(c.inputs.envs) as string[];
}

/** A backend secret as its file carries it (the backends read secrets from files, not env). */
function backendSecret(run: MockRun, variable: string): string {
    const f = secretFilesOf(run.mocks, run.mocks.container("backend-1")).get(variable);
    assert.ok(f, `backend-1 reads no ${variable}_FILE`);
    return f.value;
}

describe("rotation through config", function () {
    let before0: MockRun;
    let after: MockRun;

    before(async function () {
        before0 = await runStack(stackConfig("dev"));
        after = await runStack(stackConfig("dev", { rotation: { postgres: "2026-11-26" } }));
    });

    it("changes the postgres passwords' keepers, and only theirs", function () {
        const keepers = (run: MockRun, name: string) => unwrap(run.mocks.one(PASSWORD, name).inputs.keepers);
        assert.deepStrictEqual(keepers(before0, "imstack-secrets-postgres-app"), { rotation: "0" });
        assert.deepStrictEqual(keepers(after, "imstack-secrets-postgres-app"), { rotation: "2026-11-26" });
        assert.deepStrictEqual(keepers(after, "imstack-secrets-postgres-admin"), { rotation: "2026-11-26" });
        for (const other of ["redis", "minio-root", "minio-app"]) {
            assert.deepStrictEqual(keepers(after, `imstack-secrets-${other}`), { rotation: "0" }, other);
        }
        assert.strictEqual(keepers(after, "imstack-secrets-postgres-bootstrap"), undefined, "bootstrap password never rotates");
    });

    it("re-runs ALTER ROLE with the new password, passed over stdin", function () {
        const cmd = (run: MockRun) => run.mocks.one(COMMAND, "imstack-data-postgres-roles-apply");
        const [b, a] = [cmd(before0), cmd(after)];
        assert.notDeepStrictEqual(unwrap(a.inputs.triggers), unwrap(b.inputs.triggers), "triggers must change");
        const sql = String(unwrap(a.inputs.stdin));
        const newPw = after.mocks.generatedSecrets.find((s) => sql.includes(`PASSWORD '${s}'`));
        assert.ok(newPw, "the SQL sets a generated password");
        assert.match(sql, /ALTER ROLE imstack_app WITH LOGIN .* PASSWORD '/);
        assert.match(sql, /ALTER ROLE postgres WITH PASSWORD '/);
        assert.ok(!before0.mocks.generatedSecrets.includes(newPw!), "the password is new");
        assert.strictEqual(unwrap(a.inputs.create), "docker exec -i imstack-dev-postgres psql -X -q -U postgres -d postgres");
        // psql echoes a failing statement, and these statements carry passwords: nothing is streamed to the log.
        assert.strictEqual(a.inputs.logging, "none");
    });

    it("hands the backends the new DATABASE_URL but leaves the postgres container alone", function () {
        const dbUrl = (run: MockRun) => backendSecret(run, "DATABASE_URL");
        assert.notStrictEqual(dbUrl(after), dbUrl(before0));
        assert.deepStrictEqual(envOf(after, "imstack-dev-postgres"), envOf(before0, "imstack-dev-postgres"));
    });

    it("keeps sessions valid across a JWT rotation: the old secret becomes JWT_SECRET_PREVIOUS", async function () {
        const r1 = await runStack(stackConfig("dev", { rotation: { jwt: "a" } }));
        const r2 = await runStack(stackConfig("dev", { rotation: { jwt: "b", jwtPrevious: "a" } }));
        const get = backendSecret;
        assert.strictEqual(get(r2, "JWT_SECRET_PREVIOUS"), get(r1, "JWT_SECRET"));
        assert.notStrictEqual(get(r2, "JWT_SECRET"), get(r1, "JWT_SECRET"));
        assert.match(get(r2, "JWT_SECRET"), /^[0-9a-f]{64}$/);
    });
});
