// The repository's module graph from the TypeScript compiler's own parser and resolver: every
// import, export-from, import type, import() and require() of a relative or absolute path.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** Folders never walked: dependencies, the reference apps (their own projects), build output, caches. */
const SKIP = new Set(["node_modules", "apps", "dist", ".git", ".pulumi-state", ".imstack-cache"]);

export type Graph = Map<string, string[]>;

function sourceFiles(root: string, dir = root): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name.startsWith(".") && e.isDirectory()) continue;
        if (SKIP.has(e.name)) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...sourceFiles(root, p));
        else if (/\.ts$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
    }
    return out;
}

function specifiers(file: string): string[] {
    const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false);
    const found: string[] = [];
    const visit = (n: ts.Node): void => {
        if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) found.push(n.moduleSpecifier.text);
        else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) found.push(n.moduleReference.expression.text);
        else if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0])
            && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === "require"))) found.push(n.arguments[0].text);
        else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) found.push(n.argument.literal.text);
        ts.forEachChild(n, visit);
    };
    visit(src);
    return found.filter((s) => s.startsWith(".") || s.startsWith("/"));
}

/** Repository-relative paths (posix) of every walked file, each with the walked files it imports. */
export function importGraph(root: string): Graph {
    const options: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, resolveJsonModule: true, allowJs: true };
    const files = sourceFiles(root);
    const rel = (f: string) => path.relative(root, f).split(path.sep).join("/");
    const graph: Graph = new Map();
    for (const f of files) {
        const deps = new Set<string>();
        for (const s of specifiers(f)) {
            const r = ts.resolveModuleName(s, f, options, ts.sys).resolvedModule;
            if (!r || r.isExternalLibraryImport) continue;
            const target = rel(r.resolvedFileName);
            if (!target.startsWith("..") && target.endsWith(".ts")) deps.add(target);
        }
        graph.set(rel(f), [...deps].sort());
    }
    return graph;
}

/** Every import cycle, as the files around it (Tarjan's strongly connected components, self-imports included). */
export function cycles(graph: Graph): string[][] {
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const out: string[][] = [];
    const strong = (v: string): void => {
        idx.set(v, index);
        low.set(v, index++);
        stack.push(v);
        on.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!idx.has(w)) {
                strong(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
        }
        if (low.get(v) === idx.get(v)) {
            const scc: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                on.delete(w);
                scc.push(w);
            } while (w !== v);
            if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
        }
    };
    for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
    return out.sort((a, b) => a[0].localeCompare(b[0]));
}
