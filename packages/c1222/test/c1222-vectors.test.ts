import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import t from 'tap';
import {
  apTitleToString,
  C1222ErrorCode,
  C1222KeyStore,
  type C1222Request,
  canonifiedCleartext,
  decodeC1222Acse,
  decodeC1222AcseElements,
  decodeC1222Message,
  decodeEpsem,
  decodeRequest,
  encodeC1222Acse,
  encodeC1222Message,
  isResponse,
  requestCode,
} from '../src/index.js';
import vectors from './vectors/c1222.json' with { type: 'json' };

interface Vector {
  id: string;
  source: string;
  kind: string;
  hex: string;
  keys: { key_id?: string; key?: string } | null;
  expected: Record<string, unknown>;
}

const all = vectors as Vector[];
const apdus = all.filter((v) => v.kind.startsWith('c1222-apdu'));

function keysOf(v: Vector): C1222KeyStore | undefined {
  if (v.keys?.key === undefined) return undefined;
  return new C1222KeyStore([[Number.parseInt(v.keys.key_id ?? '00', 16), fromHex(v.keys.key)]]);
}

t.test('every vector keeps id and source', async (t) => {
  t.equal(all.length, 22);
  for (const v of all) t.ok(v.id !== '' && v.source !== '', v.id);
});

for (const v of apdus) {
  t.test(v.id, async (t) => {
    const bytes = fromHex(v.hex);
    const acse = decodeC1222Acse(bytes);
    t.equal(toHex(encodeC1222Acse(acse)), v.hex, 'ACSE re-encodes byte-exact');
    t.equal(acse.raw, bytes, 'raw kept');
    const keys = keysOf(v);
    const msg = decodeC1222Message(bytes, keys === undefined ? {} : { keys });
    // expectations recorded from tshark 4.0.17
    const ts = v.expected['tshark_4_0_17'];
    if (typeof ts === 'object' && ts !== null) {
      const f = ts as Record<string, string>;
      if (f['c1222.called_ap_title_abs'] !== undefined && acse.calledApTitle !== undefined)
        t.equal(apTitleToString(acse.calledApTitle), f['c1222.called_ap_title_abs'], 'called AP title');
      if (f['c1222.calling_ap_title_abs'] !== undefined && acse.callingApTitle !== undefined)
        t.equal(apTitleToString(acse.callingApTitle), f['c1222.calling_ap_title_abs'], 'calling AP title');
      if (f['c1222.calling_AP_invocation_id'] !== undefined)
        t.equal(
          String(acse.callingApInvocationId),
          f['c1222.calling_AP_invocation_id'],
          'calling invocation id',
        );
      if (f['c1222.called_AP_invocation_id'] !== undefined)
        t.equal(
          String(acse.calledApInvocationId),
          f['c1222.called_AP_invocation_id'],
          'called invocation id',
        );
      if (f['c1222.epsem.flags'] !== undefined)
        t.equal(`0x${acse.userInformation!.epsem[0]!.toString(16)}`, f['c1222.epsem.flags'], 'EPSEM flags');
      if (f['c1222.key_id_element'] !== undefined)
        t.equal(msg.security.keyId, Number.parseInt(f['c1222.key_id_element'], 16));
      if (f['c1222.iv_element'] !== undefined) t.equal(toHex(msg.security.iv!), f['c1222.iv_element'], 'IV');
      if (f['c1222.epsem.mac'] !== undefined) t.equal(toHex(msg.security.mac!), f['c1222.epsem.mac'], 'MAC');
      const svc = msg.epsem?.services[0];
      if (f['c1222.cmd'] !== undefined) {
        t.ok(svc !== undefined && !isResponse(svc), 'a request');
        if (svc !== undefined && !isResponse(svc))
          t.equal(requestCode(svc), Number.parseInt(f['c1222.cmd'], 16), 'command');
      }
      if (f['c1222.err'] !== undefined) {
        t.ok(svc?.type.endsWith('-response'), 'a response');
        t.equal(
          svc?.type === 'error-response' ? svc.code : 0,
          Number.parseInt(f['c1222.err'], 16),
          'response code',
        );
      }
      if (f['c1222.crypto_good'] === '0') {
        t.equal(msg.security.status, 'no-key', 'unknown key: not verified');
        t.equal(msg.epsem, undefined, 'stays encrypted');
        const wrong = new C1222KeyStore([[0, fromHex('6624c7e23034e4036fe5cb3a8b5dab44')]]);
        t.throws(
          () => decodeC1222Message(bytes, { keys: wrong }),
          { code: ErrorCode.AuthenticationFailed },
          'wrong key',
        );
      }
    }
    const expectedN = v.expected['canonified_cleartext'];
    if (typeof expectedN === 'string') {
      const { acse: a, contents } = decodeC1222AcseElements(bytes);
      const cav = a.callingAuthenticationValue;
      const n = canonifiedCleartext({
        contents,
        calledApTitle: a.calledApTitle!,
        callingApTitle: a.callingApTitle!,
        epsemLength: a.userInformation!.epsem.length,
        epsemControl: a.userInformation!.epsem[0]!,
        keyId: cav?.type === 'c1222' ? (cav.keyId ?? 0) : 0,
        iv: cav?.type === 'c1222' ? cav.iv! : new Uint8Array(0),
      });
      t.equal(toHex(n), expectedN, 'canonified cleartext N');
    }
    if (keys !== undefined) t.equal(msg.security.status, 'authenticated', "EAX' verifies");
    if (msg.epsem !== undefined) {
      const again = encodeC1222Message(
        { acse: msg.acse, epsem: msg.epsem },
        keys === undefined ? {} : { keys },
      );
      t.equal(toHex(again), v.hex, 'message re-encodes byte-exact (incl. MAC)');
    }
  });
}

t.test('service vectors: commands as tshark reported them', async (t) => {
  const cmd = new Map<string, number>();
  for (const v of apdus) {
    const f = v.expected['tshark_4_0_17'];
    if (typeof f === 'object' && f !== null && (f as Record<string, string>)['c1222.cmd'] !== undefined)
      cmd.set(v.id, Number.parseInt((f as Record<string, string>)['c1222.cmd']!, 16));
  }
  t.equal(cmd.size, 5);
  for (const [id, code] of cmd) {
    const v = apdus.find((x) => x.id === id)!;
    const octets = decodeC1222Acse(fromHex(v.hex)).userInformation!.epsem;
    // service code is the byte after control + 1-byte length in these small messages
    t.equal(octets[2], code, `${id} command byte`);
    const e = decodeEpsem(octets);
    t.equal(e.services.length, 1);
  }
});

t.test('typed bodies of the icsnpp services, paired with their requests', async (t) => {
  const get = (id: string) => decodeC1222Message(fromHex(apdus.find((v) => v.id === id)!.hex));
  const pair = (req: string, resp: string, opts: { strictChecksum?: boolean } = {}) => {
    const rq = get(req).epsem!.services as C1222Request[];
    return decodeC1222Message(fromHex(apdus.find((v) => v.id === resp)!.hex), { requests: rq, ...opts })
      .epsem!.services[0];
  };
  t.match(get('c1222-icsnpp-ident-req').epsem!.services[0], { type: 'identify' });
  const ident = pair('c1222-icsnpp-ident-req', 'c1222-icsnpp-ident-resp');
  t.match(ident, { type: 'identify-response', std: 3, ver: 1, rev: 0 });
  if (ident?.type === 'identify-response') {
    t.same(
      ident.features.map((f) => f.feature),
      ['security-mechanism', 'session-ctrl', 'device-class', 'device-identity'],
    );
    t.match(ident.features[0], { mechanism: { form: 'absolute', oid: '1.3.6.1.4.1.33507' } });
    t.match(ident.features[1], { sessionlessSupported: false, nbrSessionsSupported: 8 });
    const di = ident.features[3];
    t.equal(
      di?.feature === 'device-identity' ? toHex(di.identification) : '',
      '0001020 30a040d050607'.replace(' ', ''),
    );
  }
  const logon = get('c1222-icsnpp-logon-req').epsem!.services[0];
  t.match(logon, { type: 'logon', userId: 0x1234, sessionIdleTimeout: 0 });
  if (logon?.type === 'logon') t.equal(new TextDecoder().decode(logon.user), 'helloworld');
  t.same(pair('c1222-icsnpp-logon-req', 'c1222-icsnpp-logon-resp'), {
    type: 'logon-response',
    sessionIdleTimeout: 0,
  });
  const sec = get('c1222-icsnpp-security-req').epsem!.services[0];
  t.match(sec, { type: 'security' });
  t.notOk(sec?.type === 'security' && sec.userId !== undefined, 'no user id');
  t.same(pair('c1222-icsnpp-security-req', 'c1222-icsnpp-security-resp'), {
    type: 'ok-response',
    data: new Uint8Array(0),
  });
  t.same(get('c1222-icsnpp-read-req').epsem!.services[0], {
    type: 'partial-read-index',
    tableId: 0,
    index: [0],
    elementCount: 1,
  });
  const read = pair('c1222-icsnpp-read-req', 'c1222-icsnpp-read-resp');
  t.match(read, { type: 'read-response', tableData: { checksum: 0, checksumValid: false } });
  if (read?.type === 'read-response') t.equal(new TextDecoder().decode(read.tableData.data), 'testdata');
  t.throws(() => pair('c1222-icsnpp-read-req', 'c1222-icsnpp-read-resp', { strictChecksum: true }), {
    code: C1222ErrorCode.TableChecksumFailed,
  });
  t.same(get('c1222-icsnpp-wait-req').epsem!.services[0], { type: 'wait', seconds: 0x70 });
});

t.test('C12.19 ST7 procedure write vector', async (t) => {
  const v = all.find((x) => x.id === 'c1219-st7-procedure-sp26')!;
  const b = fromHex(v.hex);
  t.equal(b[0], b.length - 1, 'service length prefix');
  const req = decodeRequest(b.subarray(1));
  t.match(req, { type: 'full-write', tableId: 7, tableData: { checksum: 0xe4, checksumValid: true } });
  if (req.type === 'full-write') t.equal(toHex(req.tableData.data), '1a00000200');
});

t.test('malformed APDUs raise typed errors', async (t) => {
  const good = fromHex(apdus[0]!.hex);
  t.throws(() => decodeC1222Acse(new Uint8Array(0)), { code: ErrorCode.Truncated });
  t.throws(() => decodeC1222Acse(Uint8Array.of(0x61, 0)), { code: ErrorCode.UnexpectedTag });
  t.throws(() => decodeC1222Acse(good.subarray(0, good.length - 1)), { code: ErrorCode.LengthOverrun });
  const trailing = new Uint8Array(good.length + 1);
  trailing.set(good);
  t.throws(() => decodeC1222Acse(trailing), { code: ErrorCode.TrailingBytes });
  t.throws(() => decodeC1222Acse(fromHex('60028a00')), { code: ErrorCode.UnexpectedTag }, 'unknown element');
  t.throws(() => decodeC1222Acse(fromHex('6009a803020101a8030201')), { code: ErrorCode.LengthOverrun });
  t.throws(
    () => decodeC1222Acse(fromHex('600aa803020101a803020101')),
    { code: ErrorCode.UnexpectedTag },
    'repeated',
  );
  t.throws(
    () => decodeC1222Acse(fromHex('6005a203040100')),
    { code: ErrorCode.UnexpectedTag },
    'bad AP title tag',
  );
  t.throws(
    () => decodeC1222Acse(fromHex('6005a803040101')),
    { code: ErrorCode.UnexpectedTag },
    'not an INTEGER',
  );
  t.throws(
    () => decodeC1222Acse(fromHex('6005a10304012b')),
    { code: ErrorCode.UnexpectedTag },
    'context not an OID',
  );
  t.throws(
    () => decodeC1222Message(fromHex('6005a803020101')),
    { code: ErrorCode.Truncated },
    'no user-information',
  );
  t.throws(
    () => decodeC1222Message(fromHex('6006be0428028100')),
    { code: ErrorCode.Truncated },
    'empty EPSEM',
  );
  t.throws(
    () => decodeC1222Message(fromHex('6009be072805810380012')),
    { code: ErrorCode.HexInvalid },
    'test self-check',
  );
});

t.test('errors keep absolute offsets and paths', async (t) => {
  try {
    decodeC1222Acse(fromHex('6005a203040100'));
    t.fail('must throw');
  } catch (e) {
    t.ok(isMeterkitError(e));
    if (isMeterkitError(e)) {
      t.equal(e.offset, 4);
      t.equal(e.path, 'acse.called-ap-title');
    }
  }
});
