// The admin role no longer comes from configuration (issue 15, item 4): the old
// app.backend.adminUsernames default made whoever registered "admin" first an admin.
import * as assert from "assert";
import { ConfigError, parseConfig } from "../../components/config";
import { unwrap } from "./helpers/recordingMocks";
import { runStack } from "./helpers/runStack";
import { rawStackConfig, stackConfig, withOverrides } from "./helpers/stackFiles";

describe("config: admins are granted by imctl, not by app.backend.adminUsernames", function () {
    for (const stack of ["dev", "prod"]) {
        it(`the committed Pulumi.${stack}.yaml names no admin`, function () {
            assert.strictEqual((rawStackConfig(stack).app as { backend?: Record<string, unknown> } | undefined)?.backend?.adminUsernames, undefined);
        });
    }

    it("refuses app.backend.adminUsernames with the migration in one problem", function () {
        let problems: string[] = [];
        try {
            parseConfig(withOverrides(rawStackConfig("dev"), { app: { backend: { adminUsernames: ["admin"] } } }), "dev");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            problems = e.problems;
        }
        assert.strictEqual(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^imstack:app\.backend\.adminUsernames is no longer supported/);
        assert.match(problems[0], /pulumi config rm --path app\.backend\.adminUsernames/);
        assert.match(problems[0], /imctl admin grant <user>/);
    });

    it("passes no ADMIN_USERNAMES to the backends", async function () {
        const run = await runStack(stackConfig("dev"));
        const backends = run.mocks.containers().filter((c) => /-backend-\d+$/.test(String(unwrap(c.inputs.name))));
        assert.ok(backends.length >= 1);
        for (const b of backends) {
            const envs = unwrap(b.inputs.envs) as string[];
            assert.ok(envs.some((e) => e.startsWith("DATABASE_URL_FILE=")), "not the backend's env");
            assert.deepStrictEqual(envs.filter((e) => e.startsWith("ADMIN_USERNAMES=")), []);
        }
    });
});
