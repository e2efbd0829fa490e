// Turning the backend's connection settings into addresses imctl can reach from the host:
// a port published on the host when there is one (dev), otherwise the target container's
// IP on a network it shares with the backend (prod, where nothing but nginx is published;
// Linux hosts route to bridge networks, internal ones included).
import type { ContainerSummary } from '../docker/dockerOps';

export interface Endpoint {
  host: string;
  port: number;
  /** How it was found, for the check's detail. */
  via: string;
}

export function hostAddress(hostIp: string): string {
  return hostIp === '' || hostIp === '0.0.0.0' || hostIp === '::' ? '127.0.0.1' : hostIp;
}

/**
 * Where to reach `containerPort` of `target` from the host.
 * @param preferNetworks networks to look on first (the backend's, so the IP is the one it uses)
 */
export function resolveEndpoint(target: ContainerSummary, containerPort: number, preferNetworks: readonly string[] = []): Endpoint | undefined {
  const published = target.ports.find((p) => p.containerPort === containerPort && p.protocol === 'tcp' && !p.hostIp.includes(':'))
    ?? target.ports.find((p) => p.containerPort === containerPort && p.protocol === 'tcp');
  if (published) return { host: hostAddress(published.hostIp), port: published.hostPort, via: 'published port' };
  const nets = [...preferNetworks.filter((n) => target.networks[n]), ...Object.keys(target.networks)];
  for (const n of nets) {
    const ip = target.networks[n];
    if (ip) return { host: ip, port: containerPort, via: `container IP on ${n}` };
  }
  return undefined;
}

export interface ParsedUrl {
  host: string;
  port: number;
  user: string;
  password: string;
  path: string;
}

/** Parses a connection URL; returns undefined rather than throwing, and never echoes it. */
export function parseConnectionUrl(value: string | undefined, defaultPort: number): ParsedUrl | undefined {
  if (!value) return undefined;
  try {
    const u = new URL(value);
    return {
      host: u.hostname,
      port: u.port ? Number(u.port) : defaultPort,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      path: u.pathname.replace(/^\//, ''),
    };
  } catch {
    return undefined;
  }
}
