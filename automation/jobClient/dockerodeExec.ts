// ContainerExec over dockerode: exec with a hijacked connection (so stdin can answer the
// restore hooks), Docker's stdout/stderr framing undone by the shared demuxer, and tar
// streams for getArchive/putArchive so an archive of any size is copied without buffering.
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import type { Duplex, Readable } from 'stream';
import { pipeline } from 'stream/promises';
import * as tar from 'tar-stream';
import { LogDemuxer } from '../docker/demux';
import { dockerFailure } from '../docker/dockerErrors';
import type { ContainerExec, ExecLine, ExecOptions, SendLine } from './containerExec';

export class DockerodeExec implements ContainerExec {
  constructor(private readonly docker: Docker = new Docker()) {}

  async run(containerId: string, cmd: readonly string[], opts: ExecOptions, onLine: (line: ExecLine, send: SendLine) => void): Promise<number> {
    const container = this.docker.getContainer(containerId);
    let exec: Docker.Exec;
    let stream: Duplex;
    try {
      exec = await container.exec({
        Cmd: [...cmd],
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: opts.stdin,
        Tty: false,
        Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      });
      stream = (await exec.start({ hijack: true, stdin: opts.stdin })) as Duplex;
    } catch (e) {
      throw dockerFailure(e, `exec in ${containerId.slice(0, 12)}`);
    }
    const send: SendLine = (line) => {
      if (opts.stdin && !stream.destroyed) stream.write(line.endsWith('\n') ? line : `${line}\n`);
    };
    const demux = new LogDemuxer(false, (s, text) => onLine({ stream: s, text }, send));
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (c: Buffer) => demux.push(c));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    demux.end();
    if (opts.stdin) stream.destroy();
    // The exit code is recorded a moment after the stream closes.
    for (let i = 0; i < 50; i++) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`exec in ${containerId.slice(0, 12)} ended without an exit code`);
  }

  async copyOut(containerId: string, containerPath: string, hostDir: string): Promise<string> {
    const dest = path.join(hostDir, path.posix.basename(containerPath));
    await fs.promises.mkdir(hostDir, { recursive: true });
    let archive: Readable;
    try {
      archive = (await this.docker.getContainer(containerId).getArchive({ path: containerPath })) as Readable;
    } catch (e) {
      throw dockerFailure(e, `copy ${containerPath} out of the backup container`);
    }
    const extract = tar.extract();
    let found = false;
    const tmp = `${dest}.partial`;
    const done = (async () => {
      for await (const entry of extract as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
        if (entry.header.type === 'file' && !found) {
          found = true;
          await pipeline(entry, fs.createWriteStream(tmp));
        } else entry.resume();
      }
    })();
    await Promise.all([pipeline(archive, extract), done]);
    if (!found) throw new Error(`${containerPath} is not a file in the backup container`);
    await fs.promises.rename(tmp, dest);
    return dest;
  }

  async copyIn(containerId: string, hostFile: string, containerDir: string, name = path.basename(hostFile)): Promise<void> {
    const st = await fs.promises.stat(hostFile);
    const pack = tar.pack();
    const upload = this.docker.getContainer(containerId).putArchive(pack as unknown as NodeJS.ReadableStream, { path: containerDir });
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) pack.entry({ name: `${parts.slice(0, i).join('/')}/`, type: 'directory', mode: 0o700, mtime: st.mtime });
    const entry = pack.entry({ name, size: st.size, mode: 0o640, mtime: st.mtime });
    await pipeline(fs.createReadStream(hostFile), entry);
    pack.finalize();
    try {
      await upload;
    } catch (e) {
      throw dockerFailure(e, `copy ${path.basename(hostFile)} into the backups volume`);
    }
  }
}
