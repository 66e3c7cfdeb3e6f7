// The server is not exported from '@meterkit/dlms' yet; until the lead adds it, the cases import
// its source directly, as the client cases do.
import { TcpTransport } from '@meterkit/core/transport';
import {
  ApplicationContextName,
  DEFAULT_SIMULATOR_PROFILE,
  type DlmsServerHandle,
  type DlmsServerSession,
  encodeAcseApdu,
  encodeApdu,
  encodeWrapperPdu,
  entryDescriptorToData,
  MeterSimulator,
  serveWrapperTcp,
  WrapperDeframer,
} from '@meterkit/dlms';
import type { BenchCase } from '../case.js';

/**
 * The DLMS server session and simulator (IEC 62056-5-3 §9.3 GET service, IEC 62056-6-2 §4.3.6
 * Profile generic): sans-IO request → response for a register, a one-day (96-entry) load profile
 * read by entry selection and the association object list; and a register read over the TCP
 * wrapper (IEC 62056-47) on loopback, request to answer.
 */

const IID = { invokeId: 1, serviceClass: 'confirmed', priority: 'high' } as const;
const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
const aarq = encodeAcseApdu({
  type: 'aarq',
  applicationContextName: ApplicationContextName.LogicalNameNoCiphering,
  userInformation: {
    type: 'initiate-request',
    proposedDlmsVersionNumber: 6,
    proposedConformance: ['get', 'selective-access', 'block-transfer-with-get-or-read'],
    clientMaxReceivePduSize: 0xffff,
  },
});

function session(): DlmsServerSession {
  const s = sim.createSession(16, 1);
  if (s === undefined) throw new Error('no public association');
  s.handle(aarq);
  return s;
}

const s = session();
const getRegister = encodeApdu({
  type: 'get-request-normal',
  invokeIdAndPriority: IID,
  cosemAttributeDescriptor: { classId: 3, instanceId: '1-0:1.8.0.255', attributeId: 2 },
  accessSelection: null,
});
const getDay = encodeApdu({
  type: 'get-request-normal',
  invokeIdAndPriority: IID,
  cosemAttributeDescriptor: { classId: 7, instanceId: '1-0:99.1.0.255', attributeId: 2 },
  accessSelection: {
    accessSelector: 2,
    accessParameters: entryDescriptorToData({
      fromEntry: 9905,
      toEntry: 10000,
      fromSelectedValue: 1,
      toSelectedValue: 0,
    }),
  },
});
const getObjectList = encodeApdu({
  type: 'get-request-normal',
  invokeIdAndPriority: IID,
  cosemAttributeDescriptor: { classId: 15, instanceId: '0-0:40.0.0.255', attributeId: 2 },
  accessSelection: null,
});

function answerLength(request: Uint8Array): number {
  let n = 0;
  for (const a of s.handle(request)) n += a.length;
  return n;
}

let server: DlmsServerHandle | undefined;
let conn: TcpTransport | undefined;
const deframer = new WrapperDeframer();
const wrappedGet = encodeWrapperPdu({ sourceWPort: 16, destinationWPort: 1, payload: getRegister });

async function overTcp(): Promise<number> {
  const c = conn!;
  await c.write(wrappedGet);
  for (;;) {
    for (const item of deframer.push(await c.read({ timeoutMs: 2000 })))
      if (item.type === 'pdu') return item.pdu.payload.length;
  }
}

export const cases: readonly BenchCase[] = [
  {
    name: 'dlms-server: get register (sans-IO)',
    bytesPerOp: getRegister.length,
    run: () => answerLength(getRegister),
  },
  { name: 'dlms-server: get one day of load profile, 96 entries (sans-IO)', run: () => answerLength(getDay) },
  { name: 'dlms-server: get association object list (sans-IO)', run: () => answerLength(getObjectList) },
  {
    name: 'dlms-server: get register over the TCP wrapper (loopback)',
    async: true,
    run: overTcp,
    setup: async () => {
      server = await serveWrapperTcp(sim, { port: 0 });
      conn = new TcpTransport({ host: '127.0.0.1', port: server.port });
      await conn.open();
      await conn.write(encodeWrapperPdu({ sourceWPort: 16, destinationWPort: 1, payload: aarq }));
      for (let done = false; !done; )
        for (const item of deframer.push(await conn.read({ timeoutMs: 2000 })))
          if (item.type === 'pdu') done = true;
    },
    teardown: async () => {
      await conn?.close();
      await server?.close();
    },
  },
];
