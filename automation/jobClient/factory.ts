// The real ContainerExec, created on first use so that `imctl --help` and unit tests never
// load dockerode.
import type { ContainerExec } from './containerExec';

export type ExecFactory = () => ContainerExec;

let real: ContainerExec | undefined;

export const realExec: ExecFactory = () => {
  if (!real) {
    const { DockerodeExec } = require('./dockerodeExec') as typeof import('./dockerodeExec');
    real = new DockerodeExec();
  }
  return real;
};
