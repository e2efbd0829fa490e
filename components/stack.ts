import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { findService, portOf } from "../catalogue";
import { catalogueUpstreams } from "../nginx/render";
import { ADDONS, ServiceAddon } from "./addons";
import { AppTier } from "./appTier";
import { BackupJob } from "./backupJob";
import { StackConfig } from "./config";
import { DataTier } from "./dataTier";
import { objectStoreForwards } from "./objectStore";
import { EdgeTier } from "./edgeTier";
import { StackNetworks } from "./networks";
import { Placement } from "./placement";
import { StackSecrets } from "./secrets";
import { AdminUi, htpasswdLine, STUDIO_USER } from "./adminUi";
import { MonitoringTier } from "./monitoring/monitoringTier";
import { switchedServices } from "./monitoring/settings";

export interface ImStackArgs {
    /** The validated stack configuration. */
    readonly config: StackConfig;
    /** Project root (holds apps/ for image builds). */
    readonly projectDir: string;
    /** Reads TLS files; injectable so tests need no files on disk. */
    readonly readFile?: (path: string) => string;
    /** Services beyond the built-in tiers; ADDONS unless given. */
    readonly addons?: readonly ServiceAddon[];
}

export interface PublishedPort {
    service: string;
    hostIp: string;
    hostPort: number;
    containerPort: number;
}

/** Published host ports implied by a config, for outputs and for imctl's port checks. */
export function publishedPorts(c: StackConfig): PublishedPort[] {
    const ports: PublishedPort[] = [{ service: "nginx", hostIp: "0.0.0.0", hostPort: c.ports.http, containerPort: portOf("nginx") }];
    if (c.tls.mode === "files") ports.push({ service: "nginx", hostIp: "0.0.0.0", hostPort: c.ports.https, containerPort: 443 });
    if (!c.publishServices) return ports;
    const local = (service: string, hostPort: number, containerPort: number) => ports.push({ service, hostIp: "127.0.0.1", hostPort, containerPort });
    // The data services' ports are published by the dev-ports forwarder (see DevPorts).
    local("postgres", c.ports.postgres, portOf("postgres"));
    local("redis", c.ports.redis, portOf("redis"));
    for (const f of objectStoreForwards(c.objectStore.engine)) local(f.target, f.listen === 9000 ? c.ports.minioApi : c.ports.minioConsole, f.listen);
    local("backend", c.ports.backend, portOf("backend"));
    if (c.app.web.enabled) local("web", c.ports.web, portOf("web"));
    if (c.app.next.enabled) local("next", c.ports.next, portOf("next"));
    return ports;
}

/** The whole IM stack: networks, secrets and the data, app and edge tiers. */
export class ImStack extends pulumi.ComponentResource {
    public readonly publicUrl: pulumi.Output<string>;
    public readonly urls: pulumi.Output<Record<string, string>>;
    public readonly containers: pulumi.Output<Record<string, string[]>>;
    public readonly networks: pulumi.Output<{ data: string; edge: string }>;
    public readonly volumes: pulumi.Output<Record<string, string>>;
    public readonly publishedPorts: PublishedPort[];
    public readonly databaseUrl: pulumi.Output<string>;
    public readonly adminDatabaseUrl: pulumi.Output<string>;
    public readonly redisUrl: pulumi.Output<string>;
    public readonly s3Credentials: pulumi.Output<{ endpoint: string; port: number; bucket: string; accessKey: string; secretKey: string }>;
    /** Grafana's generated `admin` password (a secret output), with monitoring on. */
    public readonly grafanaAdminPassword?: pulumi.Output<string>;
    /** The basic-auth user and password in front of Studio (a secret output), with the admin UI on. */
    public readonly studioCredentials?: pulumi.Output<{ user: string; password: string }>;
    /** Grafana's URL, and Prometheus's and Alertmanager's on 127.0.0.1 in dev (plain). */
    public readonly monitoringUrls?: pulumi.Output<Record<string, string>>;
    /** The engine and where its S3 API answers, without credentials (a plain output). */
    public readonly objectStore: pulumi.Output<{ engine: string; endpoint: string; port: number; useSsl: boolean; region: string; bucket: string }>;

    constructor(name: string, args: ImStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:stack:ImStack", name, {}, opts);
        const c = args.config;
        const readFile = args.readFile ?? ((p: string) => fs.readFileSync(p, "utf8"));
        const prod = c.environment === "prod";

        const networks = new StackNetworks(`${name}-net`, { stack: c.stack, monitoring: c.monitoring.enabled }, { parent: this });
        const secrets = new StackSecrets(`${name}-secrets`, { rotation: c.rotation, monitoring: c.monitoring.enabled, adminUi: c.adminUi.enabled }, { parent: this });
        const placement: Placement = {
            stack: c.stack,
            networks: { data: networks.data.name, edge: networks.edge.name, ...(networks.monitoring ? { monitoring: networks.monitoring.name } : {}) },
            healthTimeoutSeconds: c.healthTimeoutSeconds,
            publish: c.publishServices,
            build: { projectDir: args.projectDir, nodeImage: c.images.node, buildArgs: c.buildArgs },
        };

        const data = new DataTier(`${name}-data`, {
            placement,
            images: c.images,
            objectStore: c.objectStore,
            ports: c.ports,
            resources: c.resources,
            protectVolumes: prod,
            secrets,
        }, { parent: this });
        const endpoints = data.endpoints;
        this.databaseUrl = endpoints.postgres.appUrl;
        this.adminDatabaseUrl = endpoints.postgres.adminUrl;
        this.redisUrl = endpoints.redis.url;

        // A sibling of the data tier: nothing waits for the job, and it only consumes connections.
        // Its name and the alias keep the URNs of stacks deployed when it was the data tier's child.
        const backupJob = c.backup.enabled ? new BackupJob(`${name}-data-backup`, {
            placement,
            backup: c.backup,
            postgresImage: c.images.postgres,
            backupsVolume: data.volumes.backups.name,
            resources: c.resources.backup,
            endpoints,
            backupKey: secrets.backupKey,
            backupPreviousKeys: secrets.backupPreviousKeys,
        }, { parent: this, aliases: [{ parent: data }], dependsOn: [...endpoints.postgres.ready, ...endpoints.objectStore.ready] }) : undefined;

        const app = new AppTier(`${name}-app`, {
            placement,
            backend: c.app.backend,
            web: c.app.web,
            next: c.app.next,
            ports: c.ports,
            resources: c.resources,
            publicUrl: c.publicUrl,
            uploadMb: c.limits.uploadMb,
            endpoints,
            jwtSecret: secrets.jwtSecret,
            jwtSecretPrevious: secrets.jwtSecretPrevious,
            metrics: c.monitoring.enabled,
        }, { parent: this });

        // What each service's dependants wait for, by catalogue name, for the addons' startsAfter.
        const deployed = new Map<string, pulumi.Resource[]>();
        const put = (svc: string, resources: Array<pulumi.Resource | undefined>) => {
            const present = resources.filter((r): r is pulumi.Resource => r !== undefined);
            if (present.length > 0) deployed.set(svc, present);
        };
        put("postgres", [data.postgres, data.postgresRoles]);
        put("redis", [data.redis]);
        if (data.objectStore.container) put(data.objectStore.engine, data.objectStore.ready);
        put("backup", [backupJob]);
        put("backend", app.backends);
        put("web", [app.web]);
        put("next", [app.next]);
        const switched = switchedServices(c);
        const addonContainers: Record<string, pulumi.Output<string>[]> = {};
        const addonResources: pulumi.Resource[] = [];
        for (const addon of args.addons ?? ADDONS) {
            const after = (findService(addon.service)?.startsAfter ?? []).flatMap((s) => deployed.get(s) ?? []);
            const made = addon.deploy(`${name}-${addon.service}`, { placement, config: c, endpoints, after, parent: this });
            deployed.set(addon.service, made);
            addonResources.push(...made);
            addonContainers[addon.service] = made.map((m) => m.name);
        }

        const tls = c.tls.mode === "files" && c.tls.certFile && c.tls.keyFile
            ? { cert: readFile(c.tls.certFile), key: pulumi.secret(readFile(c.tls.keyFile)) }
            : undefined;
        const edge = new EdgeTier(`${name}-edge`, {
            placement,
            image: c.images.nginx,
            domain: c.domain,
            ports: c.ports,
            limits: c.limits,
            // The monitoring and admin services start after nginx, which resolves upstreams per request.
            upstreams: catalogueUpstreams((svc) => deployed.has(svc) || switched.includes(svc)),
            tls,
            resources: c.resources.nginx,
            dependsOn: [app, ...addonResources],
            stubStatus: c.monitoring.enabled,
            htpasswd: secrets.adminUi ? { studio: pulumi.secret(secrets.adminUi.studioPassword.apply((pw) => htpasswdLine(STUDIO_USER, pw))) } : undefined,
        }, { parent: this });

        const monitoring = secrets.monitoring ? new MonitoringTier(`${name}-monitoring`, {
            placement,
            config: c,
            images: c.images,
            ports: c.ports,
            resources: c.resources,
            receivers: c.monitoring.receivers.map((r) => r.kind === "webhook"
                ? { ...r, ...(r.token !== undefined ? { token: pulumi.secret(r.token) } : {}) }
                : { ...r, ...(r.password !== undefined ? { password: pulumi.secret(r.password) } : {}) }),
            secrets: secrets.monitoring,
            after: { postgres: [data.postgresRoles], redis: [data.redis], nginx: [edge.nginx] },
        }, { parent: this }) : undefined;
        const adminUi = secrets.adminUi ? new AdminUi(`${name}-admin`, {
            placement,
            images: c.images,
            ports: c.ports,
            resources: c.resources,
            databasePassword: secrets.adminUi.postgresStudioPassword,
            after: [data.postgresRoles],
        }, { parent: this }) : undefined;
        this.grafanaAdminPassword = secrets.monitoring ? pulumi.secret(secrets.monitoring.grafanaAdminPassword) : undefined;
        this.studioCredentials = secrets.adminUi ? pulumi.secret(secrets.adminUi.studioPassword.apply((password) => ({ user: STUDIO_USER, password }))) : undefined;
        this.monitoringUrls = monitoring
            ? pulumi.all([monitoring.grafanaUrl, monitoring.localUrls]).apply(([grafana, local]): Record<string, string> => ({ grafana, ...local }))
            : undefined;

        this.publicUrl = pulumi.output(c.publicUrl);
        this.urls = pulumi.output<Record<string, string>>({
            web: `${c.publicUrl}/`,
            next: `${c.publicUrl}/next/`,
            api: `${c.publicUrl}/api/`,
            health: `${c.publicUrl}/health`,
            ws: `${c.publicUrl.replace(/^http/, "ws")}/ws`,
        });
        this.containers = pulumi.all({
            postgres: pulumi.all([data.postgres.name]),
            redis: pulumi.all([data.redis.name]),
            ...(data.objectStore.container ? { [data.objectStore.engine]: pulumi.all([data.objectStore.container.name]) } : {}),
            ...(backupJob ? { backup: pulumi.all([backupJob.container.name]) } : {}),
            ...(data.devPorts ? { "dev-ports": pulumi.all([data.devPorts.container.name]) } : {}),
            backend: pulumi.all(app.containerNames.backend),
            ...(app.containerNames.web ? { web: pulumi.all(app.containerNames.web) } : {}),
            ...(app.containerNames.next ? { next: pulumi.all(app.containerNames.next) } : {}),
            nginx: pulumi.all([edge.nginx.name]),
            ...Object.fromEntries(Object.entries(addonContainers).map(([svc, names]) => [svc, pulumi.all(names)])),
            ...Object.fromEntries(Object.entries(monitoring?.containers ?? {}).map(([svc, ct]) => [svc, pulumi.all([ct.name])])),
            ...(adminUi ? { "postgres-meta": pulumi.all([adminUi.postgresMeta.name]), studio: pulumi.all([adminUi.studio.name]) } : {}),
        });
        this.networks = pulumi.all([networks.data.name, networks.edge.name]).apply(([d, e]) => ({ data: d, edge: e }));
        this.volumes = pulumi.all({
            postgres: data.volumes.postgres.name,
            redis: data.volumes.redis.name,
            ...(data.objectStore.volume ? { [data.objectStore.engine]: data.objectStore.volume.name } : {}),
            backups: data.volumes.backups.name,
        });
        this.publishedPorts = publishedPorts(c);
        const s3 = data.objectStore.endpoint;
        this.s3Credentials = pulumi.secret(pulumi.all([data.objectStore.app.accessKey, data.objectStore.app.secretKey]).apply(([accessKey, secretKey]) => ({
            endpoint: s3.host, port: s3.port, bucket: s3.bucket, accessKey, secretKey,
        })));
        this.objectStore = pulumi.output({ engine: c.objectStore.engine, endpoint: s3.host, port: s3.port, useSsl: s3.useSsl, region: s3.region, bucket: s3.bucket });
        this.registerOutputs({
            publicUrl: this.publicUrl, urls: this.urls, containers: this.containers, networks: this.networks, volumes: this.volumes,
            databaseUrl: this.databaseUrl, adminDatabaseUrl: this.adminDatabaseUrl, redisUrl: this.redisUrl,
            s3Credentials: this.s3Credentials, objectStore: this.objectStore,
            grafanaAdminPassword: this.grafanaAdminPassword, studioCredentials: this.studioCredentials, monitoringUrls: this.monitoringUrls,
        });
    }
}
