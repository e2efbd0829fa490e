import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { AppTier } from "./appTier";
import { StackConfig } from "./config";
import { adminDatabaseUrl, DataTier, databaseUrl, redisUrl } from "./dataTier";
import { objectStoreForwards } from "./objectStore";
import { EdgeTier } from "./edgeTier";
import { StackNetworks } from "./networks";
import { StackSecrets } from "./secrets";

export interface ImStackArgs {
    /** The validated stack configuration. */
    readonly config: StackConfig;
    /** Project root (holds apps/ for image builds). */
    readonly projectDir: string;
    /** Reads TLS files; injectable so tests need no files on disk. */
    readonly readFile?: (path: string) => string;
}

export interface PublishedPort {
    service: string;
    hostIp: string;
    hostPort: number;
    containerPort: number;
}

/** Published host ports implied by a config, for outputs and for imctl's port checks. */
export function publishedPorts(c: StackConfig): PublishedPort[] {
    const ports: PublishedPort[] = [{ service: "nginx", hostIp: "0.0.0.0", hostPort: c.ports.http, containerPort: 80 }];
    if (c.tls.mode === "files") ports.push({ service: "nginx", hostIp: "0.0.0.0", hostPort: c.ports.https, containerPort: 443 });
    if (!c.publishServices) return ports;
    const local = (service: string, hostPort: number, containerPort: number) => ports.push({ service, hostIp: "127.0.0.1", hostPort, containerPort });
    // The data services' ports are published by the dev-ports forwarder (see DevPorts).
    local("postgres", c.ports.postgres, 5432);
    local("redis", c.ports.redis, 6379);
    for (const f of objectStoreForwards(c.objectStore.engine)) local(f.target, f.listen === 9000 ? c.ports.minioApi : c.ports.minioConsole, f.listen);
    local("backend", c.ports.backend, 4000);
    if (c.app.web.enabled) local("web", c.ports.web, 5173);
    if (c.app.next.enabled) local("next", c.ports.next, 3000);
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
    /** The engine and where its S3 API answers, without credentials (a plain output). */
    public readonly objectStore: pulumi.Output<{ engine: string; endpoint: string; port: number; useSsl: boolean; region: string; bucket: string }>;

    constructor(name: string, args: ImStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:stack:ImStack", name, {}, opts);
        const c = args.config;
        const readFile = args.readFile ?? ((p: string) => fs.readFileSync(p, "utf8"));
        const prod = c.environment === "prod";

        const networks = new StackNetworks(`${name}-net`, { stack: c.stack }, { parent: this });
        const secrets = new StackSecrets(`${name}-secrets`, { rotation: c.rotation }, { parent: this });

        const data = new DataTier(`${name}-data`, {
            stack: c.stack,
            images: c.images,
            projectDir: args.projectDir,
            buildArgs: c.buildArgs,
            backup: c.backup,
            backupKey: secrets.backupKey,
            backupPreviousKeys: secrets.backupPreviousKeys,
            dataNetwork: networks.data.name,
            publish: c.publishServices,
            ports: c.ports,
            resources: c.resources,
            protectVolumes: prod,
            healthTimeoutSeconds: c.healthTimeoutSeconds,
            postgresBootstrapPassword: secrets.postgresBootstrapPassword,
            postgresAdminPassword: secrets.postgresAdminPassword,
            postgresAppPassword: secrets.postgresAppPassword,
            redisPassword: secrets.redisPassword,
            objectStore: c.objectStore,
            objectStoreRootPassword: secrets.objectStoreRootPassword,
            objectStoreAppSecretKey: secrets.objectStoreAppSecretKey,
            objectStoreBackupSecretKey: secrets.objectStoreBackupSecretKey,
        }, { parent: this });

        this.databaseUrl = databaseUrl(secrets.postgresAppPassword);
        this.adminDatabaseUrl = adminDatabaseUrl(secrets.postgresAdminPassword);
        this.redisUrl = redisUrl(secrets.redisPassword);

        const app = new AppTier(`${name}-app`, {
            stack: c.stack,
            projectDir: args.projectDir,
            backend: c.app.backend,
            web: c.app.web,
            next: c.app.next,
            nodeImage: c.images.node,
            buildArgs: c.buildArgs,
            dataNetwork: networks.data.name,
            edgeNetwork: networks.edge.name,
            publish: c.publishServices,
            ports: c.ports,
            resources: c.resources,
            healthTimeoutSeconds: c.healthTimeoutSeconds,
            publicUrl: c.publicUrl,
            uploadMb: c.limits.uploadMb,
            databaseUrl: this.databaseUrl,
            redisUrl: this.redisUrl,
            s3: data.objectStore.endpoint,
            s3AccessKey: data.objectStore.app.accessKey,
            s3SecretKey: data.objectStore.app.secretKey,
            jwtSecret: secrets.jwtSecret,
            jwtSecretPrevious: secrets.jwtSecretPrevious,
            // Not the whole DataTier: the backup job need not be healthy before the app starts.
            dependsOn: [data.postgres, data.redis, ...data.objectStore.ready, data.postgresRoles],
        }, { parent: this });

        const tls = c.tls.mode === "files" && c.tls.certFile && c.tls.keyFile
            ? { cert: readFile(c.tls.certFile), key: pulumi.secret(readFile(c.tls.keyFile)) }
            : undefined;
        const edge = new EdgeTier(`${name}-edge`, {
            stack: c.stack,
            image: c.images.nginx,
            edgeNetwork: networks.edge.name,
            domain: c.domain,
            ports: c.ports,
            limits: c.limits,
            webEnabled: c.app.web.enabled,
            nextEnabled: c.app.next.enabled,
            tls,
            resources: c.resources.nginx,
            healthTimeoutSeconds: c.healthTimeoutSeconds,
            dependsOn: [app],
        }, { parent: this });

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
            ...(data.backupJob ? { backup: pulumi.all([data.backupJob.container.name]) } : {}),
            ...(data.devPorts ? { "dev-ports": pulumi.all([data.devPorts.container.name]) } : {}),
            backend: pulumi.all(app.containerNames.backend),
            ...(app.containerNames.web ? { web: pulumi.all(app.containerNames.web) } : {}),
            ...(app.containerNames.next ? { next: pulumi.all(app.containerNames.next) } : {}),
            nginx: pulumi.all([edge.nginx.name]),
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
        this.registerOutputs({ publicUrl: this.publicUrl, urls: this.urls, containers: this.containers });
    }
}
