import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels, resourcePrefix } from "./naming";
import { healthcheck, serviceContainer } from "./service";

export interface Forward {
    /** Port the forwarder listens on inside its container (and publishes). */
    readonly listen: number;
    /** Host port on 127.0.0.1. */
    readonly hostPort: number;
    /** Service name on the data network. */
    readonly target: string;
    /** Port of that service. */
    readonly targetPort: number;
}

export interface DevPortsArgs {
    /** Stack name, used in resource names and labels. */
    readonly stack: string;
    /** Image with node (the app base image). */
    readonly nodeImage: pulumi.Input<string>;
    /** Internal data network the targets live on. */
    readonly dataNetwork: pulumi.Input<string>;
    /** What to forward. */
    readonly forwards: Forward[];
    /** Seconds to wait for the forwarder to turn healthy. */
    readonly healthTimeoutSeconds: number;
}

/**
 * Plain TCP forwarding from listening ports to targets, with no dependencies beyond node.
 * Exported for tests; the forwarder runs it with `node -e`.
 */
export const FORWARD_SCRIPT = `'use strict';
// FORWARDS="5432=postgres:5432,6379=redis:6379"
const net = require('net');
const forwards = String(process.env.FORWARDS || '').split(',').filter(Boolean).map((f) => {
  const m = /^(\\d+)=([a-z0-9.-]+):(\\d+)$/.exec(f);
  if (!m) { console.error('bad FORWARDS entry: ' + f); process.exit(2); }
  return { listen: Number(m[1]), host: m[2], port: Number(m[3]) };
});
const servers = forwards.map(({ listen, host, port }) => net.createServer((client) => {
  const upstream = net.connect({ host, port });
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close);
  upstream.on('error', close);
}).listen(listen, '0.0.0.0', () => console.log('forwarding :' + listen + ' -> ' + host + ':' + port)));
const stop = () => { for (const s of servers) s.close(); setTimeout(() => process.exit(0), 500).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

/**
 * Dev only: publishes the data services on 127.0.0.1. Docker never publishes ports of a
 * container whose only network is internal, and the data services must stay on the internal
 * network alone, so a small forwarder on the data network plus a publishing network of its
 * own carries the connections instead.
 */
export class DevPorts extends pulumi.ComponentResource {
    public readonly container: docker.Container;

    constructor(name: string, args: DevPortsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:data:DevPorts", name, {}, opts);
        if (args.forwards.length === 0) throw new Error("DevPorts: nothing to forward");
        const publishNet = new docker.Network(`${name}-net`, {
            name: `${resourcePrefix(args.stack)}-dev-ports`,
            driver: "bridge",
            labels: objectLabels(args.stack),
        }, { parent: this });
        const spec = args.forwards.map((f) => `${f.listen}=${f.target}:${f.targetPort}`).join(",");
        const probe = `const n=require('net');Promise.all(${JSON.stringify(args.forwards.map((f) => f.listen))}.map(p=>new Promise((ok,no)=>{const s=n.connect(p,'127.0.0.1',()=>{s.end();ok()});s.on('error',no)}))).then(()=>process.exit(0),()=>process.exit(1))`;
        this.container = serviceContainer(`${name}-container`, {
            stack: args.stack,
            service: "dev-ports",
            tier: "data",
            image: args.nodeImage,
            // Publishing network first: published ports bind through the primary network.
            networks: [{ name: publishNet.name }, { name: args.dataNetwork }],
            // Inline rather than uploaded: Docker refuses copies into a read-only root filesystem.
            command: ["node", "-e", FORWARD_SCRIPT],
            envs: [`FORWARDS=${spec}`],
            ports: args.forwards.map((f) => ({ internal: f.listen, external: f.hostPort, ip: "127.0.0.1", protocol: "tcp" })),
            healthcheck: healthcheck(["CMD", "node", "-e", probe]),
            resources: { memoryMb: 64, cpus: 0.25 },
            healthTimeoutSeconds: args.healthTimeoutSeconds,
            user: "1000:1000",
            readOnly: true,
            destroyGraceSeconds: 5,
        }, { parent: this });
        this.registerOutputs({ container: this.container.name });
    }
}
