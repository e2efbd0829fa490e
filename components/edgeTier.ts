import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LimitsConfig, PortsConfig, ResourceLimits } from "./config";
import { pulledImage } from "./images";
import { MAINTENANCE_DIR } from "../automation/backup/contract";
import { portOf, service } from "../catalogue";
import { htpasswdPath, protectedServices, renderNginx, RoutedUpstream } from "../nginx/render";
import { Placement, rowNetworks } from "./placement";
import { healthcheck, serviceContainer } from "./service";

export interface EdgeTlsFiles {
    /** PEM certificate chain. */
    readonly cert: pulumi.Input<string>;
    /** PEM private key (secret). */
    readonly key: pulumi.Input<string>;
}

export interface EdgeTierArgs {
    /** Stack, networks and health timeout. */
    readonly placement: Placement;
    /** nginx image reference. */
    readonly image: string;
    /** server_name. */
    readonly domain: string;
    /** Host ports for HTTP and HTTPS. */
    readonly ports: Pick<PortsConfig, "http" | "https">;
    /** Upload size and request rate limits. */
    readonly limits: LimitsConfig;
    /** The services nginx routes to (catalogueUpstreams of those that run). */
    readonly upstreams: readonly RoutedUpstream[];
    /** TLS certificate and key; HTTP only when absent. */
    readonly tls?: EdgeTlsFiles;
    /** Memory and CPU limits. */
    readonly resources: ResourceLimits;
    /** The app containers nginx fronts. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Serve stub_status on the internal listener for the nginx exporter (monitoring on). */
    readonly stubStatus?: boolean;
    /** Basic-auth user files by service, for each upstream with a `protected-tool` route (secret). */
    readonly htpasswd?: Readonly<Record<string, pulumi.Input<string>>>;
}

const CONF_DIR = "/etc/nginx/imstack";
const CERT_PATH = "/etc/nginx/tls/cert.pem";
const KEY_PATH = "/etc/nginx/tls/key.pem";

export class EdgeTier extends pulumi.ComponentResource {
    public readonly nginx: docker.Container;
    /** The rendered nginx.conf, for inspection (contains no secrets). */
    public readonly nginxConf: string;

    constructor(name: string, args: EdgeTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:tiers:EdgeTier", name, {}, opts);
        const rendered = renderNginx({
            serverName: args.domain,
            resolver: "127.0.0.11",
            upstreams: args.upstreams,
            uploadMb: args.limits.uploadMb,
            requestsPerSecond: args.limits.requestsPerSecond,
            burst: args.limits.burst,
            authRequestsPerMinute: args.limits.authRequestsPerMinute,
            tls: args.tls ? { certPath: CERT_PATH, keyPath: KEY_PATH } : undefined,
            confDir: CONF_DIR,
            stubStatus: args.stubStatus,
        });
        const missing = protectedServices(args.upstreams).filter((svc) => args.htpasswd?.[svc] === undefined);
        if (missing.length) throw new Error(`EdgeTier: no basic-auth user file for ${missing.join(", ")}, whose route needs one`);
        this.nginxConf = rendered.files["/etc/nginx/nginx.conf"];
        const uploads: pulumi.Input<docker.types.input.ContainerUpload>[] = Object.entries(rendered.files)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([file, content]) => ({ file, content }));
        // The restore flow drops its maintenance flag into this folder with docker exec.
        uploads.push({ file: `${MAINTENANCE_DIR}/README`, content: "touch 'on' here to serve the maintenance page\n" });
        for (const svc of protectedServices(args.upstreams)) {
            uploads.push({ file: htpasswdPath(CONF_DIR, svc), content: pulumi.secret(args.htpasswd![svc]) });
        }
        if (args.tls) {
            uploads.push({ file: CERT_PATH, content: args.tls.cert });
            uploads.push({ file: KEY_PATH, content: pulumi.secret(args.tls.key) });
        }
        const ports: docker.types.input.ContainerPort[] = [{ internal: portOf("nginx"), external: args.ports.http, ip: "0.0.0.0", protocol: "tcp" }];
        if (args.tls) ports.push({ internal: 443, external: args.ports.https, ip: "0.0.0.0", protocol: "tcp" });
        this.nginx = serviceContainer(`${name}-nginx`, {
            stack: args.placement.stack,
            service: "nginx",
            tier: "edge",
            image: pulledImage(`${name}-nginx-image`, args.image, this),
            networks: rowNetworks(args.placement, service("nginx")),
            command: ["nginx", "-g", "daemon off;"],
            uploads,
            ports,
            healthcheck: healthcheck(["CMD-SHELL", "nginx -t -q && kill -0 $(cat /tmp/nginx.pid)"]),
            resources: args.resources,
            healthTimeoutSeconds: args.placement.healthTimeoutSeconds,
            destroyGraceSeconds: 15,
        }, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({ nginx: this.nginx.name });
    }
}
