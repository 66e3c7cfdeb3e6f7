/**
 * tshark as an independent oracle: every message our encoder builds (every service, security
 * modes 0/1/2, absolute and relative AP titles) is written to a pcap (UDP port 1153) and dissected
 * by tshark with the key configured; AP titles, invocation ids, EPSEM flags, commands, response
 * codes, tables and `crypto_good` must match our own decode. Skipped when tshark is not on PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, fromHex, toHex } from '@meterkit/core';
import t from 'tap';
import {
  absoluteApTitle,
  type C1222Acse,
  C1222KeyStore,
  type C1222Request,
  type C1222Response,
  decodeC1222Message,
  decodeRequest,
  type EpsemService,
  encodeC1222Message,
  isResponse,
  relativeApTitle,
  requestCode,
} from '../src/index.js';
import { writePcap } from './helpers/pcap.js';
import services from './vectors/services.json' with { type: 'json' };

const tshark = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
if (tshark.error !== undefined || tshark.status !== 0) {
  t.plan(0, 'tshark is not on PATH: install it (apt-get install tshark) to run the C12.22 oracle');
} else {
  const KEY_HEX = '102030405060708090a0b0c0d0e0f000';
  const KEY_ID = 5;
  const BASE = '2.16.124.113620.1.22.0';
  const keys = new C1222KeyStore([[KEY_ID, fromHex(KEY_HEX)]]);

  const requests: C1222Request[] = [];
  const responses: { request: C1222Request; response: EpsemService }[] = [];
  for (const v of services as { hex: string; request?: unknown; requestHex?: string }[]) {
    if (v.request !== undefined) requests.push(decodeRequest(fromHex(v.hex)));
  }
  const resp = (request: C1222Request, response: C1222Response) => responses.push({ request, response });
  resp(
    { type: 'full-read', tableId: 1 },
    { type: 'read-response', tableData: { data: fromHex('45452020413352') } },
  );
  resp(
    { type: 'logon', userId: 1, user: new Uint8Array(10), sessionIdleTimeout: 60 },
    { type: 'logon-response', sessionIdleTimeout: 60 },
  );
  resp(
    { type: 'identify' },
    {
      type: 'identify-response',
      std: 3,
      ver: 1,
      rev: 0,
      features: [{ feature: 'session-ctrl', sessionlessSupported: true, nbrSessionsSupported: 1 }],
    },
  );
  resp(
    { type: 'full-write', tableId: 7, tableData: { data: new Uint8Array(2) } },
    { type: 'error-response', code: 3, name: 'isc', data: new Uint8Array(0) },
  );
  resp(
    { type: 'wait', seconds: 1 },
    { type: 'error-response', code: 0x0f, name: 'rqtl', maxRequestSize: 512, data: new Uint8Array(0) },
  );

  interface Case {
    name: string;
    bytes: Uint8Array;
    request?: C1222Request;
  }
  const cases: Case[] = [];
  let invocation = 1000;
  const acseFor = (relative: boolean, response: boolean): C1222Acse => ({
    type: 'c1222-acse',
    applicationContext: '2.16.124.113620.1.22',
    calledApTitle: relative ? relativeApTitle('.77.1') : absoluteApTitle('1.3.6.1.4.1.33507.1919.12345678.0'),
    ...(response ? { calledApInvocationId: invocation - 1 } : {}),
    callingApTitle: relative ? relativeApTitle('.123.4') : absoluteApTitle('1.3.6.1.4.1.33507'),
    callingAeQualifier: 4,
    callingApInvocationId: invocation++,
    callingAuthenticationValue: {
      type: 'c1222',
      keyId: KEY_ID,
      iv: Uint8Array.of(0x4c, 0x97, invocation & 0xff, 0x89),
    },
  });
  for (const mode of [0, 1, 2] as const) {
    for (const relative of [false, true]) {
      for (const req of requests) {
        const bytes = encodeC1222Message(
          {
            acse: acseFor(relative, false),
            epsem: {
              type: 'epsem',
              control: {
                recoverySession: false,
                proxyServiceUsed: false,
                securityMode: mode,
                responseControl: 0,
              },
              services: [req],
            },
          },
          { keys, baseOid: BASE },
        );
        cases.push({ name: `mode ${mode} ${relative ? 'relative' : 'absolute'} ${req.type}`, bytes });
      }
      for (const { request, response } of responses) {
        const bytes = encodeC1222Message(
          {
            acse: acseFor(relative, true),
            epsem: {
              type: 'epsem',
              control: {
                recoverySession: true,
                proxyServiceUsed: false,
                securityMode: mode,
                responseControl: 0,
              },
              edClass: fromHex('54454d50'),
              services: [response],
            },
          },
          { keys, baseOid: BASE },
        );
        cases.push({
          name: `mode ${mode} ${relative ? 'relative' : 'absolute'} ${response.type}`,
          bytes,
          request,
        });
      }
    }
  }

  // tampered messages: one MAC bit flipped in a mode-1 and in a mode-2 message
  const tampered: Uint8Array[] = [];
  for (const mode of [1, 2]) {
    const c = cases.find((x) => x.name.startsWith(`mode ${mode} `))!;
    const bad = Uint8Array.from(c.bytes);
    bad[bad.length - 1]! ^= 0x01;
    tampered.push(bad);
  }

  const FIELDS = [
    'c1222.called_ap_title_abs',
    'c1222.called_ap_title_rel',
    'c1222.calling_ap_title_abs',
    'c1222.calling_ap_title_rel',
    'c1222.called_AP_invocation_id',
    'c1222.calling_AP_invocation_id',
    'c1222.calling_AE_qualifier',
    'c1222.key_id_element',
    'c1222.iv_element',
    'c1222.epsem.flags',
    'c1222.epsem.edclass',
    'c1222.cmd',
    'c1222.err',
    'c1222.read.table',
    'c1222.write.table',
    'c1222.crypto_good',
    'c1222.crypto_bad',
    'c1222.epsem.mac',
    'c1222.read.offset',
    'c1222.read.count',
    'c1222.write.offset',
    'c1222.write.size',
    'c1222.write.chksum',
    'c1222.logon.id',
    'c1222.wait.seconds',
    'c1222.negotiate.pktsize',
    'c1222.negotiate.numpkts',
    'c1222.authenticate.len',
  ] as const;

  const dir = mkdtempSync(join(tmpdir(), 'meterkit-c1222-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pcap = join(dir, 'c1222.pcap');
  writeFileSync(
    pcap,
    writePcap(
      [...cases.map((c) => c.bytes), ...tampered].map((payload, i) => ({
        payload,
        srcPort: 40000 + i,
        dstPort: 1153,
      })),
    ),
  );
  const out = execFileSync(
    'tshark',
    [
      '-r',
      pcap,
      '-o',
      `uat:c1222_decryption_table:"${KEY_ID.toString(16).padStart(2, '0')}",${KEY_HEX}`,
      '-o',
      `c1222.baseoid:${BASE}`,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const rows = out
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cols = line.split('|');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Record<
        (typeof FIELDS)[number],
        string
      >;
    });

  t.equal(rows.length, cases.length + tampered.length, 'one dissected frame per message');
  tampered.forEach((bad, i) => {
    const row = rows[cases.length + i]!;
    t.not(row['c1222.crypto_good'], '1', `tampered mode ${i + 1}: tshark does not verify it`);
    t.throws(
      () => decodeC1222Message(bad, { keys, baseOid: BASE }),
      { code: ErrorCode.AuthenticationFailed },
      `tampered mode ${i + 1}: we reject it`,
    );
  });
  const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
  const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;
  const hex6 = (n: number) => `0x${n.toString(16).padStart(6, '0')}`;
  const NOT_DISSECTED = new Set([
    0x24, 0x25, 0x26, 0x27, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x41, 0x42, 0x43, 0x44,
    0x45, 0x46, 0x47, 0x48, 0x49,
  ]);
  cases.forEach((c, i) => {
    const row = rows[i]!;
    t.test(c.name, async (t) => {
      const m = decodeC1222Message(c.bytes, {
        keys,
        baseOid: BASE,
        ...(c.request ? { requests: [c.request] } : {}),
      });
      const a = m.acse;
      const title = (x: typeof a.calledApTitle, abs: string, rel: string) => {
        if (x?.form === 'absolute') t.equal(abs, x.oid, 'absolute AP title');
        else t.equal(rel, x?.relative, 'relative AP title');
      };
      title(a.calledApTitle, row['c1222.called_ap_title_abs'], row['c1222.called_ap_title_rel']);
      title(a.callingApTitle, row['c1222.calling_ap_title_abs'], row['c1222.calling_ap_title_rel']);
      t.equal(
        row['c1222.calling_AP_invocation_id'],
        String(a.callingApInvocationId),
        'calling invocation id',
      );
      t.equal(
        row['c1222.called_AP_invocation_id'],
        a.calledApInvocationId === undefined ? '' : String(a.calledApInvocationId),
        'called invocation id',
      );
      t.equal(row['c1222.calling_AE_qualifier'], String(a.callingAeQualifier), 'calling AE qualifier');
      t.equal(Number.parseInt(row['c1222.key_id_element'], 16), m.security.keyId, 'key id');
      t.equal(row['c1222.iv_element'], toHex(m.security.iv!), 'IV');
      t.equal(row['c1222.epsem.flags'], hex2(a.userInformation!.epsem[0]!), 'EPSEM flags');
      if (m.security.mode !== 0) {
        t.equal(row['c1222.crypto_good'], '1', "tshark verifies our EAX' tag");
        t.equal(row['c1222.crypto_bad'], '0');
        t.equal(row['c1222.epsem.mac'], toHex(m.security.mac!), 'MAC');
      } else {
        t.equal(row['c1222.crypto_good'], '', 'no crypto in mode 0');
      }
      if (m.epsem?.edClass !== undefined)
        t.equal(row['c1222.epsem.edclass'], toHex(m.epsem.edClass), 'ED_CLASS');
      const svc = m.epsem!.services[0]!;
      if (isResponse(svc)) {
        t.equal(row['c1222.err'], hex2(svc.type === 'error-response' ? svc.code : 0), 'response code');
        t.equal(row['c1222.cmd'], '', 'no command');
      } else {
        const code = requestCode(svc);
        // tshark names every negotiate 0x60 and counts the baud rates separately
        t.equal(row['c1222.cmd'], hex2(svc.type === 'negotiate' ? 0x60 : code), 'command');
        if (!NOT_DISSECTED.has(code)) {
          switch (svc.type) {
            case 'full-read':
              t.equal(row['c1222.read.table'], hex4(svc.tableId), 'read table');
              break;
            case 'partial-read-offset':
              t.equal(row['c1222.read.table'], hex4(svc.tableId), 'read table');
              t.equal(row['c1222.read.offset'], hex6(svc.offset), 'read offset');
              t.equal(row['c1222.read.count'], String(svc.octetCount), 'read count');
              break;
            case 'full-write':
            case 'partial-write-offset':
              t.equal(row['c1222.write.table'], hex4(svc.tableId), 'write table');
              t.equal(row['c1222.write.size'], hex4(svc.tableData.data.length), 'write size');
              t.equal(row['c1222.write.chksum'], hex2(svc.tableData.checksum!), 'write checksum');
              if (svc.type === 'partial-write-offset')
                t.equal(row['c1222.write.offset'], hex6(svc.offset), 'write offset');
              break;
            case 'logon':
              t.equal(row['c1222.logon.id'], String(svc.userId), 'logon user id');
              break;
            case 'wait':
              t.equal(row['c1222.wait.seconds'], String(svc.seconds), 'wait seconds');
              break;
            case 'negotiate':
              t.equal(row['c1222.negotiate.pktsize'], String(svc.packetSize), 'packet size');
              t.equal(row['c1222.negotiate.numpkts'], String(svc.numberOfPackets), 'number of packets');
              break;
            case 'authenticate':
              t.equal(row['c1222.authenticate.len'], String(svc.data.length), 'authenticate length');
              break;
            default:
              break;
          }
        }
      }
    });
  });
}
