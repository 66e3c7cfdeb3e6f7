/**
 * A ciphered association (security suite 0, glo-ciphering) with HLS-GMAC (mechanism 5) and a fresh
 * dedicated key, over TCP: the management client of the built-in simulator profile, whose keys are
 * the published test keys.
 *
 *   node --conditions=meterkit-source --import tsx packages/dlms/examples/hls-gmac.ts <host> [port]
 */
import { fromHex } from '@meterkit/core';
import { DlmsClient, SecurityContext } from '@meterkit/dlms';

const [host, port] = process.argv.slice(2);
if (host === undefined) {
  console.error('usage: hls-gmac.ts <host> [port]   (e.g. a `meterkit simulate` instance)');
  process.exit(2);
}
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
});
try {
  console.log(String(context)); // which keys are set, never their values
  console.log(await client.get('0-0:43.1.0.255', { classId: 1 })); // the frame counter
  await client.release();
} finally {
  await client.close();
}
