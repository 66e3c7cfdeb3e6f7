/**
 * The sample ANSI C12.19 meter profile (`profiles/ansi-meter.json`) that the C12.22 local-port
 * tests serve, read once, its key 0, and the C12.22 client those tests open to it.
 */
import { fromHex } from '@meterkit/core';
import type { Transport } from '@meterkit/core/transport';
import { C1222Client } from '../../src/client/c1222-client.js';
import type { SecurityMode } from '../../src/epsem/control.js';
import { absoluteApTitle, C1222KeyStore } from '../../src/index.js';
import { readAnsiMeterProfile } from '../../src/server/profile.js';

/** The sample meter profile. */
export const profile = await readAnsiMeterProfile(
  new URL('../../profiles/ansi-meter.json', import.meta.url).pathname,
);

/** The profile's key 0, as bytes. */
export const KEY0 = fromHex(profile.keys!['0']!);

/** A client calling the sample meter's ApTitle over `transport` with key 0, no retries. */
export function clientToMeter(transport: Transport, securityMode: SecurityMode): C1222Client {
  return new C1222Client({
    transport,
    callingApTitle: absoluteApTitle('2.16.124.113620.1.22.0.7'),
    calledApTitle: absoluteApTitle(profile.apTitle!),
    securityMode,
    keys: new C1222KeyStore([[0, KEY0]]),
    retries: 0,
  });
}
