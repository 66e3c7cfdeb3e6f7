/** Helpers of the simulator feature tests: profiles derived from the built-in one. */

import { DEFAULT_SIMULATOR_PROFILE } from '../src/server/default-profile.js';
import type { AssociationProfileJson, ObjectProfileJson, SimulatorProfile } from '../src/server/profile.js';
import type { DlmsServerSession } from '../src/server/server-session.js';
import type { MeterSimulator } from '../src/server/simulator.js';

/** The built-in profile's objects with these associations, extra objects and per-object changes. */
export function profileWith(
  associations: readonly AssociationProfileJson[],
  extra: readonly ObjectProfileJson[] = [],
  change: (o: ObjectProfileJson) => ObjectProfileJson = (o) => o,
): SimulatorProfile {
  return {
    ...DEFAULT_SIMULATOR_PROFILE,
    associations,
    objects: [...DEFAULT_SIMULATOR_PROFILE.objects.map(change), ...extra],
  };
}

/** Records every APDU the simulator's sessions send back. */
export function recordAnswers(sim: MeterSimulator): Uint8Array[] {
  const seen: Uint8Array[] = [];
  const create = sim.createSession.bind(sim);
  sim.createSession = (clientSap: number, serverSap: number): DlmsServerSession | undefined => {
    const s = create(clientSap, serverSap);
    if (s === undefined) return s;
    const handle = s.handle.bind(s);
    s.handle = (apdu: Uint8Array): Uint8Array[] => {
      const out = handle(apdu);
      seen.push(...out);
      return out;
    };
    return s;
  };
  return seen;
}
