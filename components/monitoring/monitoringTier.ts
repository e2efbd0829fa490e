// The monitoring tier (`monitoring.enabled`): Prometheus with the rendered scrape config and
// alert rules, Alertmanager with the configured receivers, Grafana with the provisioned
// dashboards, and the exporters. Every container is a catalogue row of tier "monitoring", on the
// internal monitoring network; only Grafana is reachable from outside, through nginx.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { aliasOf, portOf, service } from "../../catalogue";
import { dashboardProvisioning, datasourceProvisioning, renderDashboards } from "../../monitoring/dashboards";
import { NGINX_STUB_STATUS } from "../../monitoring/metrics";
import {
    ALERTMANAGER_CONFIG_DIR, AlertReceiver, BLACKBOX_TLS_MODULE, PROMETHEUS_CONFIG_DIR, PROMETHEUS_DATA_DIR,
    prometheusArgs, receiverSecretFiles, renderAlertmanagerFiles, renderPrometheusFiles,
} from "../../monitoring/prometheus";
import { httpProbe } from "../appTier";
import { ImageRefs, MonitoringConfig, PortsConfig, ResourceLimits, StackConfig } from "../config";
import { pulledImage } from "../images";
import { objectLabels, resourcePrefix } from "../naming";
import { Placement, rowNetworks } from "../placement";
import { APP_DATABASE, MONITOR_ROLE } from "../postgresRoles";
import { REDIS_MONITOR_USER } from "../dataTier";
import { SecretFile } from "../secretFiles";
import { healthcheck, serviceContainer, ServiceContainerSpec } from "../service";
import { alertmanagerSettings, prometheusSettings, switchedOn } from "./settings";

/** The users the official images run as: the files they read are theirs. */
export const MONITORING_UIDS = { prometheus: 65534, alertmanager: 65534, grafana: 472, postgresExporter: 65534, redisExporter: 59000 } as const;

/** Where Grafana reads its provisioning and the dashboard files (in the official image's layout). */
export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards/imstack";
/** The path Grafana is served under, through nginx (the catalogue row's route). */
export const GRAFANA_PATH = service("grafana").routes[0].location;
export const GRAFANA_ADMIN_USER = "admin";
export const BLACKBOX_CONFIG = "/etc/blackbox_exporter/config.yml";

export interface MonitoringTierArgs {
    /** Stack, networks (monitoring included) and health timeout. */
    readonly placement: Placement;
    /** The validated stack config: the renderers read stack, environment, replicas, engine, TLS. */
    readonly config: StackConfig;
    /** Image references of the tier's services. */
    readonly images: Pick<ImageRefs, "prometheus" | "alertmanager" | "grafana" | "postgresExporter" | "redisExporter" | "nginxExporter" | "nodeExporter" | "cadvisor" | "blackboxExporter">;
    /** Host ports of Prometheus and Alertmanager, published on 127.0.0.1 in dev only. */
    readonly ports: Pick<PortsConfig, "prometheus" | "alertmanager">;
    /** Limits per service (every container has a memory limit). */
    readonly resources: Readonly<Record<"prometheus" | "alertmanager" | "grafana" | "postgres-exporter" | "redis-exporter" | "nginx-exporter" | "node-exporter" | "cadvisor" | "blackbox-exporter", ResourceLimits>>;
    /** Receivers with their secrets (Outputs from secret config). */
    readonly receivers: readonly AlertReceiver<pulumi.Input<string>>[];
    /** Generated credentials (StackSecrets.monitoring). */
    readonly secrets: { readonly postgresMonitorPassword: pulumi.Input<string>; readonly redisMonitorPassword: pulumi.Input<string>; readonly grafanaAdminPassword: pulumi.Input<string> };
    /** What the exporters read must exist first: the roles applied, nginx running. */
    readonly after: { readonly postgres: pulumi.Resource[]; readonly redis: pulumi.Resource[]; readonly nginx: pulumi.Resource[] };
}

type TierService = keyof MonitoringTierArgs["resources"];

/** Pure checks before any resource exists. */
export function monitoringTierProblems(a: { config: Pick<StackConfig, "monitoring">; placement: Placement }): string[] {
    const out: string[] = [];
    if (!a.config.monitoring.enabled) out.push("the monitoring tier was asked for, but monitoring.enabled is off");
    if (a.placement.networks.monitoring === undefined) out.push("the stack has no monitoring network");
    return out;
}

export class MonitoringTier extends pulumi.ComponentResource {
    public readonly containers: Record<string, docker.Container>;
    /** The monitoring network (internal). */
    public readonly grafanaUrl: pulumi.Output<string>;
    /** Where Prometheus and Alertmanager answer on the host (dev), else undefined. */
    public readonly localUrls: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: MonitoringTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:monitoring:MonitoringTier", name, {}, opts);
        const problems = monitoringTierProblems(args);
        if (problems.length) throw new Error(`MonitoringTier ${name}: ${problems.join("; ")}`);
        const p = args.placement;
        const c = args.config;
        const stack = p.stack;
        const monitoring: MonitoringConfig = c.monitoring;
        const prom = prometheusSettings(c);

        // Dev publishes Prometheus and Alertmanager on 127.0.0.1; Docker publishes through a
        // container's primary network, which must not be internal.
        const publishNet = p.publish ? new docker.Network(`${name}-ports`, {
            name: `${resourcePrefix(stack)}-monitoring-ports`,
            driver: "bridge",
            labels: objectLabels(stack),
        }, { parent: this }) : undefined;
        const networksOf = (svc: string, published: boolean) => [
            ...(published && publishNet ? [{ name: publishNet.name, aliases: [] as string[] }] : []),
            ...rowNetworks(p, service(svc)),
        ];
        const image = (svc: string, ref: string) => pulledImage(`${name}-${svc}-image`, ref, this);
        const container = (svc: TierService, spec: Omit<ServiceContainerSpec, "stack" | "service" | "tier" | "resources" | "healthTimeoutSeconds" | "networks"> & { published?: boolean }, dependsOn: pulumi.Resource[] = []) =>
            serviceContainer(`${name}-${svc}`, {
                ...spec,
                stack, service: svc, tier: "monitoring",
                networks: networksOf(svc, spec.published === true),
                resources: args.resources[svc],
                healthTimeoutSeconds: p.healthTimeoutSeconds,
            }, { parent: this, dependsOn });
        const volume = (svc: string) => new docker.Volume(`${name}-${svc}-data`, {
            name: `${resourcePrefix(stack)}-${svc}-data`,
            labels: objectLabels(stack, { "com.imstack.volume": `${svc}-data` }),
        }, { parent: this });
        const files = (dir: string, rendered: Record<string, string>) =>
            Object.entries(rendered).map(([file, content]) => ({ file: `${dir}/${file}`, content }));
        this.containers = {};

        // Prometheus: its command line replaces the image's CMD (retention is a flag), the
        // entrypoint stays the official /bin/prometheus.
        const promPort = portOf("prometheus");
        this.containers.prometheus = container("prometheus", {
            image: image("prometheus", args.images.prometheus),
            command: prometheusArgs(prom),
            uploads: files(PROMETHEUS_CONFIG_DIR, renderPrometheusFiles(prom)),
            volumes: [{ volumeName: volume("prometheus").name, containerPath: PROMETHEUS_DATA_DIR }],
            ports: p.publish ? [{ internal: promPort, external: args.ports.prometheus, ip: "127.0.0.1", protocol: "tcp" }] : [],
            published: true,
            healthcheck: healthcheck(httpProbe(promPort, "/-/ready"), { startPeriod: "30s" }),
            destroyGraceSeconds: 30,
        });

        // Alertmanager: receivers' secrets as files it reads (auth_password_file, credentials_file).
        const amPort = portOf("alertmanager");
        const secretFiles = receiverSecretFiles(args.receivers).map((f) => ({
            file: f.path, content: pulumi.secret(f.value), permissions: "0400",
            owner: String(MONITORING_UIDS.alertmanager), group: String(MONITORING_UIDS.alertmanager),
        }));
        const amFiles = renderAlertmanagerFiles(alertmanagerSettings(c, args.receivers));
        this.containers.alertmanager = container("alertmanager", {
            image: image("alertmanager", args.images.alertmanager),
            command: [`--config.file=${ALERTMANAGER_CONFIG_DIR}/alertmanager.yml`, "--storage.path=/alertmanager", `--web.listen-address=:${amPort}`],
            uploads: [...files(ALERTMANAGER_CONFIG_DIR, amFiles), ...secretFiles],
            volumes: [{ volumeName: volume("alertmanager").name, containerPath: "/alertmanager" }],
            ports: p.publish ? [{ internal: amPort, external: args.ports.alertmanager, ip: "127.0.0.1", protocol: "tcp" }] : [],
            published: true,
            healthcheck: healthcheck(httpProbe(amPort, "/-/ready")),
        });

        // Grafana: stateless by design; the datasource and dashboards are provisioned files, the
        // admin password a generated secret. Its own database lives in the container, so a new
        // password (rotation.grafana) replaces the container and the password is the new one.
        const grafanaPort = portOf("grafana");
        const dashboards = renderDashboards();
        const grafanaSecrets: SecretFile[] = [{ variable: "GF_SECURITY_ADMIN_PASSWORD", fileSuffix: "__FILE", value: args.secrets.grafanaAdminPassword }];
        this.grafanaUrl = pulumi.output(`${c.publicUrl}${GRAFANA_PATH}`);
        this.containers.grafana = container("grafana", {
            image: image("grafana", args.images.grafana),
            envs: [
                `GF_SERVER_HTTP_PORT=${grafanaPort}`,
                `GF_SERVER_ROOT_URL=${c.publicUrl}${GRAFANA_PATH}`,
                "GF_SERVER_SERVE_FROM_SUB_PATH=true",
                `GF_SECURITY_ADMIN_USER=${GRAFANA_ADMIN_USER}`,
                "GF_AUTH_ANONYMOUS_ENABLED=false",
                "GF_AUTH_BASIC_ENABLED=true",
                "GF_USERS_ALLOW_SIGN_UP=false",
                "GF_SECURITY_DISABLE_GRAVATAR=true",
                `GF_SECURITY_COOKIE_SECURE=${c.tls.mode === "files"}`,
                "GF_ANALYTICS_REPORTING_ENABLED=false",
                "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
                "GF_NEWS_NEWS_FEED_ENABLED=false",
                `GF_PATHS_PROVISIONING=${GRAFANA_PROVISIONING_DIR}`,
            ],
            uploads: [
                { file: `${GRAFANA_PROVISIONING_DIR}/datasources/imstack.yml`, content: datasourceProvisioning(`http://${aliasOf("prometheus")}:${promPort}`, monitoring.scrapeIntervalSeconds) },
                { file: `${GRAFANA_PROVISIONING_DIR}/dashboards/imstack.yml`, content: dashboardProvisioning(GRAFANA_DASHBOARDS_DIR) },
                ...dashboards.map((d) => ({ file: `${GRAFANA_DASHBOARDS_DIR}/${d.file}`, content: d.json })),
            ],
            secrets: { files: grafanaSecrets, uid: MONITORING_UIDS.grafana },
            healthcheck: healthcheck(httpProbe(grafanaPort, `${GRAFANA_PATH}api/health`), { startPeriod: "60s" }),
        }, [this.containers.prometheus]);

        // postgres_exporter on the pg_monitor role, never the superuser.
        this.containers["postgres-exporter"] = container("postgres-exporter", {
            image: image("postgres-exporter", args.images.postgresExporter),
            envs: [
                `DATA_SOURCE_URI=${aliasOf("postgres")}:${portOf("postgres")}/${APP_DATABASE}?sslmode=disable`,
                `DATA_SOURCE_USER=${MONITOR_ROLE}`,
            ],
            secrets: { files: [{ variable: "DATA_SOURCE_PASS", value: args.secrets.postgresMonitorPassword }], uid: MONITORING_UIDS.postgresExporter },
            healthcheck: healthcheck(httpProbe(portOf("postgres-exporter"), "/metrics")),
        }, args.after.postgres);

        // redis_exporter as an ACL user that may run INFO and friends, no data command. Its
        // password file maps the address to the password (redis_exporter's --redis.password-file).
        const redisAddr = `redis://${aliasOf("redis")}:${portOf("redis")}`;
        this.containers["redis-exporter"] = container("redis-exporter", {
            image: image("redis-exporter", args.images.redisExporter),
            envs: [
                `REDIS_ADDR=${redisAddr}`, `REDIS_USER=${REDIS_MONITOR_USER}`,
                // Inside Prometheus's scrape timeout: with redis gone the exporter must answer
                // redis_up 0 (RedisDown), not time out the whole scrape (its default is 15 s).
                `REDIS_EXPORTER_CONNECTION_TIMEOUT=${exporterTimeout(monitoring.scrapeIntervalSeconds)}s`,
            ],
            secrets: {
                files: [{ variable: "REDIS_PASSWORD", value: pulumi.output(args.secrets.redisMonitorPassword).apply((pw) => JSON.stringify({ [redisAddr]: pw })) }],
                uid: MONITORING_UIDS.redisExporter,
            },
            // The official image is FROM scratch: no shell to probe with. Prometheus's `up` is its check.
            healthcheck: null,
        }, args.after.redis);

        this.containers["nginx-exporter"] = container("nginx-exporter", {
            image: image("nginx-exporter", args.images.nginxExporter),
            command: [`--nginx.scrape-uri=http://${NGINX_STUB_STATUS.host}:${NGINX_STUB_STATUS.port}${NGINX_STUB_STATUS.path}`],
            healthcheck: null,
        }, args.after.nginx);

        // Disk space of the host's filesystems, read through a read-only bind of /.
        this.containers["node-exporter"] = container("node-exporter", {
            image: image("node-exporter", args.images.nodeExporter),
            command: ["--path.rootfs=/host", "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)"],
            volumes: [{ hostPath: "/", containerPath: "/host", readOnly: true }],
            healthcheck: healthcheck(httpProbe(portOf("node-exporter"), "/metrics")),
        });

        // Container CPU, memory, network and restarts per container, labelled with its service.
        this.containers.cadvisor = container("cadvisor", {
            image: image("cadvisor", args.images.cadvisor),
            command: [
                "--docker_only=true",
                `--housekeeping_interval=${Math.max(10, monitoring.scrapeIntervalSeconds)}s`,
                "--store_container_labels=false",
                "--whitelisted_container_labels=com.imstack.service,com.imstack.stack,com.imstack.replica",
                // Only what the rules and dashboards read: the rest costs memory on every scrape.
                "--enable_metrics=cpu,memory,network,process",
            ],
            volumes: CADVISOR_MOUNTS.map((m) => ({ hostPath: m.host, containerPath: m.container, readOnly: true })),
            healthcheck: healthcheck(httpProbe(portOf("cadvisor"), "/healthz"), { startPeriod: "30s" }),
        });

        if (switchedOn(c, "monitoring+tls")) {
            this.containers["blackbox-exporter"] = container("blackbox-exporter", {
                image: image("blackbox-exporter", args.images.blackboxExporter),
                command: [`--config.file=${BLACKBOX_CONFIG}`],
                uploads: [{ file: BLACKBOX_CONFIG, content: blackboxConfig() }],
                healthcheck: healthcheck(httpProbe(portOf("blackbox-exporter"), "/-/healthy")),
            });
        }

        this.localUrls = pulumi.output<Record<string, string>>(p.publish
            ? { prometheus: `http://127.0.0.1:${args.ports.prometheus}`, alertmanager: `http://127.0.0.1:${args.ports.alertmanager}` }
            : {});
        this.registerOutputs({ grafanaUrl: this.grafanaUrl, localUrls: this.localUrls });
    }
}

/** cAdvisor's read-only view of the host (its documented mounts minus /dev/disk: disk stats are node_exporter's). */
export const CADVISOR_MOUNTS = [
    // The Docker socket (container names and labels), the cgroups, the Docker root (each
    // container's read-write layer) and the host's /proc under /rootfs (each container's network
    // counters are read from its processes). No --privileged and no /dev/kmsg (measured, engine 20.10).
    { host: "/", container: "/rootfs" },
    { host: "/var/run", container: "/var/run" },
    { host: "/sys", container: "/sys" },
    { host: "/var/lib/docker", container: "/var/lib/docker" },
] as const;

/** An exporter's own connection timeout: well inside the scrape interval (Prometheus's scrape timeout). */
export function exporterTimeout(scrapeIntervalSeconds: number): number {
    return Math.max(1, Math.min(5, Math.floor(scrapeIntervalSeconds / 2)));
}

/** The blackbox exporter's config: the one module the TLS probe job names. */
export function blackboxConfig(): string {
    return [
        "# Rendered by imstack (components/monitoring/monitoringTier.ts).",
        "modules:",
        `  ${BLACKBOX_TLS_MODULE}:`,
        "    prober: http",
        "    timeout: 10s",
        "    http:",
        "      preferred_ip_protocol: ip4",
        "      fail_if_not_ssl: true",
        "",
    ].join("\n");
}
