// Pulumi mocks whose newResource creates the real Docker objects (and runs commands,
// generates secrets) instead of recording. Pulumi calls newResource only once a
// resource's inputs and its dependsOn resources have resolved, and our newResource
// resolves only when the object is ready (healthy, for wait: true), so the program's
// ordering is honoured by construction.
import * as pulumi from '@pulumi/pulumi';
import Docker from 'dockerode';
import { containsSecret, isSecretWrapped, unwrapSecrets } from './secrets';
import { StackState, inputsHash } from './state';
import { createNetwork } from './resources/network';
import { createVolume } from './resources/volume';
import { buildProgramImage, resolveRemoteImage } from './resources/image';
import { createContainer } from './resources/container';
import { randomIdState, randomPasswordState, randomStringState } from './resources/random';
import { runLocalCommand } from './resources/command';

export interface ResourceRecord {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  /** Plain inputs with secret values replaced by "[secret]". */
  readonly inputs: Record<string, unknown>;
  readonly startedAt: number;
  readonly finishedAt: number;
}

export interface LiveMocksOptions {
  readonly docker: Docker;
  readonly projectDir: string;
  readonly state: StackState;
  readonly log: (line: string) => void;
}

/** Secret values seen in inputs, so error messages can be scrubbed of them. */
function collectSecrets(v: unknown, out: Set<string>, inSecret = false): void {
  if (isSecretWrapped(v)) return collectSecrets(v.value, out, true);
  if (Array.isArray(v)) return v.forEach((x) => collectSecrets(x, out, inSecret));
  if (typeof v === 'object' && v !== null) return Object.values(v).forEach((x) => collectSecrets(x, out, inSecret));
  if (inSecret && typeof v === 'string' && v.length >= 4) out.add(v);
}

export function redactSecretsIn(inputs: unknown): unknown {
  if (isSecretWrapped(inputs)) return '[secret]';
  if (Array.isArray(inputs)) return inputs.map(redactSecretsIn);
  if (typeof inputs === 'object' && inputs !== null) return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, redactSecretsIn(v)]));
  return inputs;
}

export class LiveMocks implements pulumi.runtime.Mocks {
  readonly records: ResourceRecord[] = [];
  /** Every failed resource, scrubbed of secrets: the run fails if any is here. */
  readonly failures: string[] = [];
  private readonly secrets = new Set<string>();
  private inFlight = 0;
  private lastActivity = Date.now();

  /**
   * Resolves once no resource has been in creation for `quietMs`. After a failure Pulumi's
   * own RPC count never drains (dependants wait forever on the failed resource's outputs),
   * so the runner needs this to finish.
   */
  async idle(quietMs: number): Promise<void> {
    for (;;) {
      if (this.inFlight === 0 && Date.now() - this.lastActivity >= quietMs) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  constructor(private readonly o: LiveMocksOptions) {}

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[secret]');
    return out;
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
    if (!args.custom) return { id: undefined, state: args.inputs };
    const startedAt = Date.now();
    collectSecrets(args.inputs, this.secrets);
    let result: { id: string; state: Record<string, unknown> };
    this.inFlight++;
    try {
      result = await this.create(args);
    } catch (e) {
      const msg = this.scrub((e as Error).message);
      this.o.log(`FAILED ${args.type} "${args.name}": ${msg}`);
      this.failures.push(`${args.type} "${args.name}": ${msg}`);
      throw new Error(`${args.type} "${args.name}": ${msg}`);
    } finally {
      this.inFlight--;
      this.lastActivity = Date.now();
    }
    this.records.push({ type: args.type, name: args.name, id: result.id, inputs: redactSecretsIn(args.inputs) as Record<string, unknown>, startedAt, finishedAt: Date.now() });
    return result;
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    throw new Error(`live layer: invoke ${args.token} is not implemented`);
  }

  private remembered(args: pulumi.runtime.MockResourceArgs, make: () => Promise<Record<string, unknown>> | Record<string, unknown>): Promise<{ id: string; state: Record<string, unknown> }> {
    // Generated values and command results persist across runs while inputs are unchanged.
    const key = `${args.type}::${args.name}`;
    const hash = inputsHash(args.inputs);
    const prev = this.o.state.get(key);
    if (prev && prev.inputsHash === hash) return Promise.resolve({ id: String(prev.state.__id), state: prev.state });
    return Promise.resolve(make()).then((state) => {
      const full = { ...state, __id: `${args.name}-${hash.slice(0, 8)}` };
      this.o.state.set(key, { type: args.type, inputsHash: hash, state: full });
      return { id: String(full.__id), state: full };
    });
  }

  private async create(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, unknown> }> {
    const { docker, log, projectDir } = this.o;
    const plain = unwrapSecrets<Record<string, unknown>>(args.inputs);
    switch (args.type) {
      case 'docker:index/network:Network':
        return createNetwork(docker, args.name, plain);
      case 'docker:index/volume:Volume':
        return createVolume(docker, args.name, plain);
      case 'docker:index/remoteImage:RemoteImage':
        return resolveRemoteImage(docker, args.name, plain, log);
      case 'docker:index/image:Image':
        return buildProgramImage(docker, args.name, plain, projectDir, log);
      case 'docker:index/container:Container': {
        const r = await createContainer(docker, args.name, plain, log);
        // Keep secret-ness of inputs on the returned state (envs, uploads...).
        return { id: r.id, state: { ...r.state, ...Object.fromEntries(Object.entries(args.inputs).filter(([, v]) => containsSecret(v))) } };
      }
      case 'random:index/randomPassword:RandomPassword':
        return this.remembered(args, () => randomPasswordState(args.inputs));
      case 'random:index/randomString:RandomString':
        return this.remembered(args, () => randomStringState(args.inputs));
      case 'random:index/randomId:RandomId':
        return this.remembered(args, () => randomIdState(args.inputs));
      case 'command:local:Command':
        return this.remembered(args, async () => {
          const out = await runLocalCommand(args.name, plain, log);
          // A command fed secrets may echo them: its output stays secret, as with
          // additionalSecretOutputs in the program.
          const secret = containsSecret(args.inputs);
          return { ...args.inputs, stdout: secret ? { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: out.stdout } : out.stdout, stderr: secret ? { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: out.stderr } : out.stderr };
        });
      default:
        if (args.type.startsWith('pulumi:providers:')) {
          const host = plain.host as string | undefined;
          if (host && host !== 'unix:///var/run/docker.sock') throw new Error(`live layer: provider ${args.type} with host ${host} is not implemented (only the local engine)`);
          return { id: `${args.name}-provider`, state: args.inputs };
        }
        throw new Error(`live layer: resource type ${args.type} is not implemented`);
    }
  }
}
