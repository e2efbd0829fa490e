// The Docker boundary the backup commands need beyond DockerOps: run a command inside a
// running container (stdout/stderr by line, stdin for the restore hooks), and copy single
// files out of and into it. The real implementation is dockerode (dockerodeExec.ts); unit
// tests inject fakes. Kept here rather than in DockerOps because only backup/restore use it.

export interface ExecLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Writes one line to the running command's stdin (only when it was started with stdin). */
export type SendLine = (line: string) => void;

export interface ExecOptions {
  /** Attach stdin so `send` reaches the command. */
  stdin: boolean;
  /** Extra environment for the command; values may be secrets and never appear in arguments. */
  env?: Record<string, string>;
}

export interface ContainerExec {
  /** Runs `cmd` in the container; resolves with its exit code once it ends. */
  run(containerId: string, cmd: readonly string[], opts: ExecOptions, onLine: (line: ExecLine, send: SendLine) => void): Promise<number>;
  /** Copies the file at `containerPath` to `hostDir`; resolves with the host path. */
  copyOut(containerId: string, containerPath: string, hostDir: string): Promise<string>;
  /**
   * Copies a host file into `containerDir` as `name` (default: its base name). `name` may hold
   * folders (posix separators), which are created.
   */
  copyIn(containerId: string, hostFile: string, containerDir: string, name?: string): Promise<void>;
}
