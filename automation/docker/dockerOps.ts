// The Docker Engine boundary. Commands see containers as the labels in docs/conventions.md
// describe them; the real implementation is dockerode, unit tests inject fakes.

export type HealthState = 'healthy' | 'unhealthy' | 'starting' | 'none';

export interface PortBinding {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: string;
}

export interface ContainerSummary {
  id: string;
  name: string;
  stack: string;
  service: string;
  tier: string;
  /** Backend replicas carry com.imstack.replica. */
  replica?: number;
  /** Docker state: running, exited, created, restarting, paused, dead. */
  state: string;
  health: HealthState;
  /** ISO time the container last started (running containers). */
  startedAt?: string;
  exitCode?: number;
  /** Ports published right now (empty while stopped). */
  ports: PortBinding[];
  /** Ports the container is configured to publish (HostConfig.PortBindings). */
  publishedPorts: PortBinding[];
  /** network name -> IPv4 address on it */
  networks: Record<string, string>;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** RFC 3339 time Docker recorded, when timestamps were requested. */
  time?: string;
}

export interface LogOptions {
  follow: boolean;
  /** Lines from the end; undefined for all. */
  tail?: number;
  /** Unix seconds. */
  since?: number;
  signal?: AbortSignal;
}

export interface VolumeSummary {
  name: string;
  mountpoint?: string;
}

export interface DockerOps {
  ping(): Promise<void>;
  version(): Promise<{ version: string; apiVersion: string }>;
  /** The engine's data root (docker info DockerRootDir). */
  dataRoot(): Promise<string>;
  /** Every container (running or not) labelled com.imstack.stack=<stack>. */
  listContainers(stack: string): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerSummary>;
  /** The container's configured environment, each X_FILE's file read into X. Values are secrets: never print them. */
  containerEnv(id: string): Promise<Record<string, string>>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutSeconds: number): Promise<void>;
  /** Streams log lines (with Docker timestamps) until the end, or until signal aborts when following. */
  logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void>;
  /** Volumes labelled com.imstack.stack=<stack>. */
  listVolumes(stack: string): Promise<VolumeSummary[]>;
  removeVolume(name: string): Promise<void>;
}

export const LABEL = {
  stack: 'com.imstack.stack',
  service: 'com.imstack.service',
  tier: 'com.imstack.tier',
  replica: 'com.imstack.replica',
  project: 'com.imstack.project',
} as const;
