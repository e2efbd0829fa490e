import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { aliasOf, portOf, service } from "../catalogue";
import { AppServiceConfig, BackendConfig, PortsConfig, ResourceLimits } from "./config";
import { DataEndpoints } from "./endpoints";
import { builtImage } from "./images";
import { objectLabels, resourcePrefix } from "./naming";
import { s3Envs } from "./objectStore/types";
import { Placement, rowNetworks } from "./placement";
import { SecretFile, SecretsVolume } from "./secretFiles";
import { healthcheck, publish, serviceContainer } from "./service";

export interface AppTierArgs {
    /** Stack, networks, health timeout, publishing and build inputs. */
    readonly placement: Placement;
    /** Backend replicas, storage driver and optional prebuilt image. */
    readonly backend: BackendConfig;
    /** Vite web client settings. */
    readonly web: AppServiceConfig;
    /** Next.js app settings. */
    readonly next: AppServiceConfig;
    /** Host ports used when publishing. */
    readonly ports: Pick<PortsConfig, "backend" | "web" | "next">;
    /** Memory and CPU limits per service. */
    readonly resources: { backend: ResourceLimits; web: ResourceLimits; next: ResourceLimits };
    /** Public base URL of the site. */
    readonly publicUrl: string;
    /** Upload size limit in MB, shared with nginx. */
    readonly uploadMb: number;
    /** The data tier's connections: the app role's database URL, redis, the backend's S3 identity; `ready` gates the backends. */
    readonly endpoints: DataEndpoints;
    /** Current JWT secret. */
    readonly jwtSecret: pulumi.Input<string>;
    /** JWT secret before the last rotation (verification only). */
    readonly jwtSecretPrevious: pulumi.Input<string>;
    /** Serve the backend's /metrics on its own port (`monitoring.enabled`). */
    readonly metrics?: boolean;
}

/** Seconds the probe's own client waits, where it can be told; Docker's timeout (APP_HEALTHCHECK) bounds every check. */
const PROBE_SECONDS = 8;

/** Timings for the app containers: cheap checks, so a generous timeout costs nothing when idle. */
export const APP_HEALTHCHECK = { interval: "5s", timeout: "10s", retries: 10 } as const;

/**
 * A container healthcheck that GETs http://127.0.0.1:<port><path> and passes on a 200, with
 * the cheapest HTTP client the image has. Starting `node` for each check took 2-14 s on a
 * loaded host (the 3 s timeouts flapped); a shell check takes milliseconds. The official node
 * images differ: Debian-based ones (node:20-bookworm-slim) have bash but neither wget nor curl,
 * alpine ones have busybox wget but no bash. Images with none of them fall back to node.
 * Needs /bin/sh; runs as the image's user and writes nothing.
 */
export function httpProbe(port: number, path: string): string[] {
    const url = `http://127.0.0.1:${port}${path}`;
    const tcp = `exec 3<>/dev/tcp/127.0.0.1/${port} && printf "GET ${path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n" >&3 && read -r -t ${PROBE_SECONDS} _ code _ <&3 && [ "$code" = 200 ]`;
    const script = [
        `if command -v bash >/dev/null 2>&1; then exec bash -c '${tcp}'`,
        // No -T: busybox builds without its timeout feature (Debian's 1.35) segfault on it.
        `elif command -v wget >/dev/null 2>&1; then exec wget -q -O /dev/null ${url}`,
        `elif command -v curl >/dev/null 2>&1; then exec curl -fsS -m ${PROBE_SECONDS} -o /dev/null ${url}`,
        `else exec node -e "require('http').get('${url}',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"`,
        "fi",
    ].join("; ");
    return ["CMD-SHELL", script];
}

/** The user the app images run as (`USER node`, uid 1000, in the backend Dockerfile). */
const APP_UID = 1000;

export class AppTier extends pulumi.ComponentResource {
    public readonly backends: docker.Container[];
    public readonly web?: docker.Container;
    public readonly next?: docker.Container;
    public readonly containerNames: Record<string, pulumi.Output<string>[]>;

    constructor(name: string, args: AppTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:tiers:AppTier", name, {}, opts);
        validateAppTierArgs(args);
        const p = args.placement;
        const { stack, build } = p;
        const image = (app: "backend" | "web" | "next", configured?: string) => configured
            ? pulumi.output(configured)
            : builtImage(`${name}-${app}-image`, {
                context: path.join(build.projectDir, "apps", app),
                imageName: `${resourcePrefix(stack)}/${app}:latest`,
                args: { NODE_IMAGE: build.nodeImage, ...build.buildArgs },
            }, this);
        const common = { stack, tier: "app" as const, healthTimeoutSeconds: p.healthTimeoutSeconds };
        const { postgres, redis, objectStore: store } = args.endpoints;
        const backendPort = portOf("backend");

        const backendImage = image("backend", args.backend.image);
        const fileDriver = args.backend.storageDriver === "file";
        const fileVolume = fileDriver ? new docker.Volume(`${name}-backend-data`, {
            name: `${resourcePrefix(stack)}-backend-data`,
            labels: objectLabels(stack, { "com.imstack.volume": "backend-data" }),
        }, { parent: this, retainOnDelete: true }) : undefined;
        const envs: pulumi.Input<string>[] = [
            `PORT=${backendPort}`,
            "NODE_ENV=production",
            ...s3Envs(store.s3, "").filter((e) => !e.startsWith("S3_ACCESS_KEY=")),
            pulumi.interpolate`S3_ACCESS_KEY=${store.app.accessKey}`,
            `PUBLIC_URL=${args.publicUrl}`,
            `STORAGE_DRIVER=${args.backend.storageDriver}`,
            `UPLOAD_MAX_MB=${args.uploadMb}`,
            `LOG_LEVEL=${args.backend.logLevel}`,
            // Its own listener, on the monitoring network only (never routed by nginx).
            ...(args.metrics ? [`METRICS_PORT=${service("backend").metrics!.port}`] : []),
        ];
        // The backends run read-only, so their secret files come from a volume all replicas share.
        const files: SecretFile[] = [
            { variable: "DATABASE_URL", value: postgres.appUrl },
            { variable: "REDIS_URL", value: redis.url },
            { variable: "S3_SECRET_KEY", value: store.app.secretKey },
            { variable: "JWT_SECRET", value: args.jwtSecret },
            { variable: "JWT_SECRET_PREVIOUS", value: args.jwtSecretPrevious },
        ];
        const secretsVolume = new SecretsVolume(`${name}-backend-secrets`, {
            stack, service: "backend", tier: "app", files, uid: APP_UID, image: build.nodeImage,
        }, { parent: this });
        this.backends = [];
        for (let n = 1; n <= args.backend.replicas; n++) {
            this.backends.push(serviceContainer(`${name}-backend-${n}`, {
                ...common,
                service: "backend",
                replica: n,
                image: backendImage,
                networks: rowNetworks(p, service("backend"), n),
                envs,
                secrets: { files, uid: APP_UID, volume: secretsVolume },
                // Only the first replica is published in dev; the rest are reached through nginx.
                ports: publish(p.publish && n === 1, backendPort, args.ports.backend),
                volumes: fileVolume ? [{ volumeName: fileVolume.name, containerPath: "/app/data" }] : undefined,
                healthcheck: healthcheck(httpProbe(backendPort, "/health"), { ...APP_HEALTHCHECK, startPeriod: "30s" }),
                resources: args.resources.backend,
                readOnly: true,
                tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
            }, { parent: this, dependsOn: args.endpoints.ready }));
        }

        if (args.web.enabled) {
            const port = portOf("web");
            this.web = serviceContainer(`${name}-web`, {
                ...common,
                service: "web",
                image: image("web", args.web.image),
                networks: rowNetworks(p, service("web")),
                envs: [`PORT=${port}`],
                ports: publish(p.publish, port, args.ports.web),
                healthcheck: healthcheck(httpProbe(port, "/"), APP_HEALTHCHECK),
                resources: args.resources.web,
                readOnly: true,
                tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" },
            }, { parent: this });
        }
        if (args.next.enabled) {
            const port = portOf("next");
            this.next = serviceContainer(`${name}-next`, {
                ...common,
                service: "next",
                image: image("next", args.next.image),
                networks: rowNetworks(p, service("next")),
                envs: [`PORT=${port}`, "HOSTNAME=0.0.0.0", `BACKEND_URL=http://${aliasOf("backend")}:${backendPort}`, "NEXT_TELEMETRY_DISABLED=1"],
                ports: publish(p.publish, port, args.ports.next),
                healthcheck: healthcheck(httpProbe(port, "/next/api/healthz"), { ...APP_HEALTHCHECK, startPeriod: "30s" }),
                resources: args.resources.next,
            }, { parent: this, dependsOn: this.backends });
        }
        this.containerNames = {
            backend: this.backends.map((b) => b.name),
            ...(this.web ? { web: [this.web.name] } : {}),
            ...(this.next ? { next: [this.next.name] } : {}),
        };
        this.registerOutputs({ containerNames: this.containerNames });
    }
}

function validateAppTierArgs(args: AppTierArgs): void {
    const r = args.backend.replicas;
    if (!Number.isInteger(r) || r < 1 || r > 16) throw new Error(`AppTier: backend.replicas must be an integer from 1 to 16, got ${r}`);
    if (args.backend.storageDriver === "file" && r > 1) throw new Error("AppTier: the file storage driver supports exactly one backend replica");
}
