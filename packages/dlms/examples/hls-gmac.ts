/**
 * A ciphered association (security suite 0, glo-ciphering) with HLS-GMAC (mechanism 5) and a fresh
 * dedicated key, over TCP: the management client of the built-in simulator profile, whose keys are
 * the published test keys. Reads the logical device name, the energy register with its
 * scaler_unit, and the clock, then releases the association.
 *
 *   meterkit simulate dlms --tcp 127.0.0.1:4059 &
 *   node --conditions=meterkit-source --import tsx packages/dlms/examples/hls-gmac.ts 127.0.0.1 [4059]
 *
 * A failure prints one line (the error code and message, never a key) and exits 1, or 3 when the
 * meter cannot be reached.
 */
import { fromHex, isMeterkitError } from '@meterkit/core';
import { cosemDateTimeToIso, DlmsClient, SecurityContext } from '@meterkit/dlms';

const [host, port] = process.argv.slice(2);
if (host === undefined) {
  console.error('usage: hls-gmac.ts <host> [port]   (e.g. a `meterkit simulate dlms` instance)');
  process.exit(2);
}

async function main(host: string): Promise<void> {
  const context = new SecurityContext({
    suite: 0,
    systemTitle: fromHex('4d4b543030303031'),
    globalUnicastEncryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'),
    authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf'),
  });
  const client = await DlmsClient.connect({
    connection: { type: 'tcp', host, port: Number(port ?? 4059), clientAddress: 1 },
    authentication: { mechanism: 5 },
    security: { context, form: 'glo', dedicatedKey: true },
    timeoutMs: 5000,
  });
  try {
    console.log(String(context)); // which keys are set, never their values
    const name = await client.get('0-0:42.0.0.255', { classId: 1 });
    console.log(
      'logical device name',
      name.type === 'octet-string' ? new TextDecoder().decode(name.value) : name,
    );
    const energy = await client.get('1-0:1.8.0.255', { classId: 3 });
    const scalerUnit = await client.get('1-0:1.8.0.255', { classId: 3, attribute: 3 });
    console.log('1-0:1.8.0.255 value', energy, 'scaler_unit', scalerUnit);
    console.log('clock', cosemDateTimeToIso(await client.readClock()));
    await client.release();
  } finally {
    await client.close();
  }
}

try {
  await main(host);
} catch (e) {
  if (!isMeterkitError(e)) throw e;
  console.error(`hls-gmac: E${e.code} ${e.message}`);
  process.exitCode = Math.floor(e.code / 100) === 5 ? 3 : 1;
}
