// docker:index/network:Network -> a real Docker network (reused when its inputs match).
import Docker from 'dockerode';
import { INPUTS_HASH_LABEL, LIVE_LABEL, labelsToMap, rejectUnknownArgs } from './labels';
import { inputsHash } from '../state';

const KNOWN = new Set(['name', 'driver', 'internal', 'attachable', 'labels', 'options', 'ipamConfigs', 'ipamDriver', 'ipamOptions', 'checkDuplicate']);

interface IpamConfig { subnet?: string; gateway?: string; ipRange?: string; auxAddress?: Record<string, string> }

export async function createNetwork(docker: Docker, name: string, inputs: Record<string, unknown>): Promise<{ id: string; state: Record<string, unknown> }> {
  rejectUnknownArgs(inputs, KNOWN, `docker:index/network:Network "${name}"`);
  const netName = (inputs.name as string | undefined) ?? name;
  const hash = inputsHash(inputs);
  const existing = (await docker.listNetworks({ filters: { name: [netName] } })).find((n) => n.Name === netName);
  if (existing) {
    if (existing.Labels?.[INPUTS_HASH_LABEL] === hash) return { id: existing.Id, state: { ...inputs, name: netName, driver: existing.Driver, scope: existing.Scope } };
    if (existing.Labels?.[LIVE_LABEL] !== '1') throw new Error(`network ${netName} already exists and was not created by the live layer; refusing to touch it`);
    const info = await docker.getNetwork(existing.Id).inspect();
    if (Object.keys(info.Containers ?? {}).length) throw new Error(`network ${netName} changed but still has containers attached; tear the stack down first`);
    await docker.getNetwork(existing.Id).remove();
  }
  const ipam = inputs.ipamConfigs as IpamConfig[] | undefined;
  const net = await docker.createNetwork({
    Name: netName,
    Driver: (inputs.driver as string | undefined) ?? 'bridge',
    Internal: Boolean(inputs.internal),
    Attachable: Boolean(inputs.attachable),
    CheckDuplicate: true,
    Options: (inputs.options as Record<string, string> | undefined) ?? {},
    Labels: { ...labelsToMap(inputs.labels, `network ${name}`), [LIVE_LABEL]: '1', [INPUTS_HASH_LABEL]: hash },
    IPAM: {
      Driver: (inputs.ipamDriver as string | undefined) ?? 'default',
      Options: (inputs.ipamOptions as Record<string, string> | undefined) ?? {},
      Config: (ipam ?? []).map((c) => ({ Subnet: c.subnet, Gateway: c.gateway, IPRange: c.ipRange, AuxiliaryAddresses: c.auxAddress })),
    },
  });
  const info = await docker.getNetwork(net.id).inspect();
  return { id: net.id, state: { ...inputs, name: netName, driver: info.Driver, scope: info.Scope } };
}
