// The import rules of docs/architecture.md, over the whole repository (apps/ and node_modules
// excepted): which layer may import which, and no import cycles.
import * as assert from "assert";
import * as path from "path";
import { cycles, Graph, importGraph } from "./importGraph";
import { ruleBreaks } from "./layers";

const ROOT = path.resolve(__dirname, "..", "..", "..");

describe("architecture: import rules (docs/architecture.md)", function () {
    let graph: Graph;
    before(function () {
        graph = importGraph(ROOT);
    });

    it("walks the program, imctl, the job engine and the catalogue", function () {
        for (const f of ["index.ts", "components/stack.ts", "nginx/render.ts", "automation/main.ts", "automation/backup/main.ts", "catalogue/index.ts"]) {
            assert.ok(graph.has(f), `${f} not walked`);
        }
        assert.ok(graph.get("components/stack.ts")!.includes("catalogue/index.ts"), "resolves relative imports to files");
    });

    it("lets each layer import only what it may: the program and imctl never import each other, the job engine nothing outside its folder, the catalogue nothing but the job contract", function () {
        assert.deepStrictEqual(ruleBreaks(graph), []);
    });

    it("has no import cycles", function () {
        const found = cycles(graph).map((c) => c.join(" <-> "));
        assert.deepStrictEqual(found, [], `import cycles:\n  ${found.join("\n  ")}`);
    });

    it("finds a rule break and a cycle when there is one", function () {
        const bad: Graph = new Map([
            ["components/a.ts", ["automation/x.ts"]],
            ["automation/x.ts", ["automation/y.ts"]],
            ["automation/y.ts", ["automation/x.ts"]],
            ["automation/backup/run.ts", ["automation/context.ts"]],
            ["catalogue/index.ts", ["components/a.ts"]],
        ]);
        assert.deepStrictEqual(ruleBreaks(bad), [
            "automation/backup/run.ts (engine) imports automation/context.ts (imctl)",
            "catalogue/index.ts (catalogue) imports components/a.ts (program)",
            "components/a.ts (program) imports automation/x.ts (imctl)",
        ]);
        assert.deepStrictEqual(cycles(bad), [["automation/x.ts", "automation/y.ts"]]);
    });
});
