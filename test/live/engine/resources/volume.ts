// docker:index/volume:Volume -> a real named volume. An existing volume is adopted: data
// surviving between runs is the point (rotation re-run, restarts).
import Docker from 'dockerode';
import { LIVE_LABEL, labelsToMap, rejectUnknownArgs } from './labels';

const KNOWN = new Set(['name', 'driver', 'driverOpts', 'labels']);

export async function createVolume(docker: Docker, name: string, inputs: Record<string, unknown>): Promise<{ id: string; state: Record<string, unknown> }> {
  rejectUnknownArgs(inputs, KNOWN, `docker:index/volume:Volume "${name}"`);
  const volName = (inputs.name as string | undefined) ?? name;
  let info: Docker.VolumeInspectInfo;
  try {
    info = await docker.getVolume(volName).inspect();
  } catch {
    info = (await docker.createVolume({
      Name: volName,
      Driver: (inputs.driver as string | undefined) ?? 'local',
      DriverOpts: (inputs.driverOpts as Record<string, string> | undefined) ?? {},
      Labels: { ...labelsToMap(inputs.labels, `volume ${name}`), [LIVE_LABEL]: '1' },
    })) as unknown as Docker.VolumeInspectInfo;
  }
  return { id: info.Name, state: { ...inputs, name: info.Name, driver: info.Driver, mountpoint: info.Mountpoint } };
}
