// Finds the Pulumi toolchain that scripts/pulumi-toolchain.sh built for the versions package.json
// pins, so that real-engine tests need no PATH set by hand. Dependency-free on purpose: it runs
// before anything else is known to work.
//
//   const found = lookupPulumiToolchain({ backendUrl: `file://${stateDir}` });
//   if (!found.toolchain) {
//       if (process.env.IMSTACK_REQUIRE_PULUMI === "1") throw new Error(found.reason);
//       this.skip();
//   }
//   execFileSync(found.toolchain.pulumiBin, ["up", "--yes"], { env: { ...process.env, ...found.toolchain.env } });
//   // Automation API: PulumiCommand.get({ root: found.toolchain.root }) and envVars: found.toolchain.env
import * as fs from "node:fs";
import * as path from "node:path";

export interface PulumiToolchain {
    /** The key directory: `root/bin/pulumi` is the CLI, as PulumiCommand.get({ root }) expects. */
    root: string;
    pulumiBin: string;
    /** Holds pulumi and pulumi-language-nodejs (the CLI finds the language host next to itself). */
    binDir: string;
    /** PULUMI_HOME whose plugins/ holds the docker, random and command resource plugins. */
    pulumiHome: string;
    /** To lay over process.env: PATH (binDir first), PULUMI_HOME, the no-network switches, a
     *  passphrase, and PULUMI_BACKEND_URL when one was given. */
    env: Record<string, string>;
    versions: { pulumi: string; docker: string; random: string; command: string };
}

export type PulumiToolchainLookup =
    | { toolchain: PulumiToolchain; reason?: undefined }
    | { toolchain: undefined; reason: string };

export interface LookupOptions {
    /** e.g. `file:///tmp/state`; each test should have its own. */
    backendUrl?: string;
    /** Default: PULUMI_CONFIG_PASSPHRASE from the environment, else a fixed test passphrase. */
    passphrase?: string;
    /** Default: IMSTACK_CACHE_DIR, else /var/cache/imstack (what the script uses). */
    cacheDir?: string;
    /** Default: the repository's package.json. */
    packageJson?: string;
}

const repoRoot = path.resolve(__dirname, "..", "..");
const BUILD_HINT = "build it with `sh scripts/pulumi-toolchain.sh` (scripts/setup.sh runs it when Go is installed)";

function pinnedVersions(packageJson: string): PulumiToolchain["versions"] | string {
    let deps: Record<string, string>;
    try {
        deps = JSON.parse(fs.readFileSync(packageJson, "utf8")).dependencies ?? {};
    } catch (e) {
        return `cannot read ${packageJson}: ${(e as Error).message}`;
    }
    const versions = {
        pulumi: deps["@pulumi/pulumi"],
        docker: deps["@pulumi/docker"],
        random: deps["@pulumi/random"],
        command: deps["@pulumi/command"],
    };
    for (const [name, v] of Object.entries(versions)) {
        if (!v || !/^\d+\.\d+\.\d+$/.test(v)) return `package.json pins no exact @pulumi/${name} version (${v ?? "none"})`;
    }
    return versions;
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function mtime(file: string): number {
    try {
        return fs.statSync(file).mtimeMs;
    } catch {
        return -1;
    }
}

/** The toolchain for package.json's pins, or why there is none (fit to print in a skip message). */
export function lookupPulumiToolchain(opts: LookupOptions = {}): PulumiToolchainLookup {
    const versions = pinnedVersions(opts.packageJson ?? path.join(repoRoot, "package.json"));
    if (typeof versions === "string") return { toolchain: undefined, reason: versions };

    const base = path.join(opts.cacheDir ?? process.env.IMSTACK_CACHE_DIR ?? "/var/cache/imstack", "pulumi-toolchain");
    // The script names each directory after the pins first (then a hash of its recipe); the
    // newest one for these pins wins, whether it finished or was blocked.
    const prefix = `pulumi-${versions.pulumi}.docker-${versions.docker}.random-${versions.random}.command-${versions.command}.`;
    let dirs: string[];
    try {
        dirs = fs.readdirSync(base).filter((d) => d.startsWith(prefix)).map((d) => path.join(base, d));
    } catch {
        return { toolchain: undefined, reason: `no Pulumi toolchain: ${base} does not exist; ${BUILD_HINT}` };
    }
    const stamp = (d: string) => Math.max(mtime(path.join(d, "toolchain.json")), mtime(path.join(d, "blocked.txt")));
    dirs = dirs.filter((d) => stamp(d) >= 0).sort((a, b) => stamp(b) - stamp(a));
    const wanted = `pulumi ${versions.pulumi}, docker ${versions.docker}, random ${versions.random}, command ${versions.command}`;
    if (dirs.length === 0) return { toolchain: undefined, reason: `no Pulumi toolchain for ${wanted} in ${base}; ${BUILD_HINT}` };

    const root = dirs[0];
    if (!fs.existsSync(path.join(root, "toolchain.json"))) {
        let blocked = "";
        try {
            blocked = fs.readFileSync(path.join(root, "blocked.txt"), "utf8").trim();
        } catch {
            // Raced with a build that just removed it; the generic reason below still holds.
        }
        return { toolchain: undefined, reason: `no Pulumi toolchain for ${wanted}: ${blocked || "its last build did not finish"}` };
    }

    const binDir = path.join(root, "bin");
    const pulumiHome = path.join(root, "home");
    const pulumiBin = path.join(binDir, "pulumi");
    for (const bin of [pulumiBin, path.join(binDir, "pulumi-language-nodejs")]) {
        if (!isExecutable(bin)) return { toolchain: undefined, reason: `${bin} is missing or not executable; ${BUILD_HINT}` };
    }
    for (const [name, v] of [["docker", versions.docker], ["random", versions.random], ["command", versions.command]]) {
        const dir = path.join(pulumiHome, "plugins", `resource-${name}-v${v}`);
        if (!fs.existsSync(dir)) return { toolchain: undefined, reason: `plugin ${name} ${v} is not installed in ${pulumiHome}; ${BUILD_HINT}` };
    }

    const env: Record<string, string> = {
        PATH: [binDir, process.env.PATH ?? ""].filter(Boolean).join(path.delimiter),
        PULUMI_HOME: pulumiHome,
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_CONFIG_PASSPHRASE: opts.passphrase ?? process.env.PULUMI_CONFIG_PASSPHRASE ?? "imstack-test",
    };
    if (opts.backendUrl) env.PULUMI_BACKEND_URL = opts.backendUrl;
    return { toolchain: { root, pulumiBin, binDir, pulumiHome, env, versions } };
}

/** The toolchain, or undefined (lookupPulumiToolchain says why). */
export function findPulumiToolchain(opts: LookupOptions = {}): PulumiToolchain | undefined {
    return lookupPulumiToolchain(opts).toolchain;
}
