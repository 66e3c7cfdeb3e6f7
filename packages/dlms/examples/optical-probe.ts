/**
 * Reads a meter through an IEC 62056-21 optical probe: mode E sign-on at 300 baud 7E1, switch to
 * the meter's baud rate 8N1, HDLC (IEC 62056-46), then an LLS association and the object list.
 *
 *   node --conditions=meterkit-source --import tsx packages/dlms/examples/optical-probe.ts /dev/ttyUSB0 [password] [physical-address] [--no-rts]
 *
 * Many probes take their power from RTS, so RTS is raised by default; `--no-rts` leaves the
 * modem lines alone (self-powered probes, or a socat pty, which has no modem lines). A failure prints one line (the
 * error code and message, never the password) and exits 1, or 3 when the meter does not answer.
 */
import { parseArgs } from 'node:util';
import { isMeterkitError } from '@meterkit/core';
import { DlmsClient } from '@meterkit/dlms';

const { values, positionals } = parseArgs({
  options: { 'no-rts': { type: 'boolean', default: false } },
  allowPositionals: true,
});
const [path, password, physical] = positionals;
if (path === undefined) {
  console.error('usage: optical-probe.ts <serial device> [LLS password] [HDLC physical address] [--no-rts]');
  process.exit(2);
}

async function main(path: string): Promise<void> {
  const client = await DlmsClient.connect({
    connection: {
      type: 'serial',
      path,
      modeE: true,
      ...(values['no-rts'] ? {} : { rts: true }), // many probes take their power from RTS
      clientAddress: password === undefined ? 16 : 32,
      physicalAddress: physical === undefined ? undefined : Number(physical),
    },
    authentication: password === undefined ? { mechanism: 'none' } : { mechanism: 'low', password },
    timeoutMs: 8000,
  });
  try {
    console.log('identification', client.identification);
    const list = await client.readObjectList();
    console.log(`${list.length} objects`);
    await client.release();
  } finally {
    await client.close();
  }
}

try {
  await main(path);
} catch (e) {
  if (!isMeterkitError(e)) throw e;
  console.error(`optical-probe: E${e.code} ${e.message}`);
  process.exitCode = Math.floor(e.code / 100) === 5 ? 3 : 1;
}
