/**
 * Reads a meter through an IEC 62056-21 optical probe: mode E sign-on at 300 baud 7E1, switch to
 * the meter's baud rate 8N1, HDLC (IEC 62056-46), then an LLS association and the object list.
 *
 *   node --conditions=meterkit-source --import tsx packages/dlms/examples/optical-probe.ts /dev/ttyUSB0 [password] [physical-address]
 */
import { DlmsClient } from '@meterkit/dlms';

const [path, password, physical] = process.argv.slice(2);
if (path === undefined) {
  console.error('usage: optical-probe.ts <serial device> [LLS password] [HDLC physical address]');
  process.exit(2);
}

const client = await DlmsClient.connect({
  connection: {
    type: 'serial',
    path,
    modeE: true,
    rts: true, // many probes take their power from RTS
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
