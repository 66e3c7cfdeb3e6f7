import t from 'tap';
import { sfdiFromLfdi } from '../src/ids.js';
import type { AnyResource } from '../src/model/generated/types.js';
import { handleAdmin, startAdmin } from '../src/server/admin.js';
import type { TestServerConfig } from '../src/server/config.js';
import { resourceFromJson, resourceToJson } from '../src/server/json.js';
import { deliverNotifications, startSepServer } from '../src/server/listen.js';
import { type SepHttpResponse, SepTestServer } from '../src/server/server.js';
import { decodeXml, encodeXml } from '../src/xml/codec.js';

const A = '3e4f45ab31edfe5b67e343e5e4562e31984e23e5';
const B = '00112233445566778899aabbccddeeff00112233';
const AGG = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const T0 = 1_700_000_000;

function config(): TestServerConfig {
  return {
    pollRate: 60,
    aggregators: [AGG],
    endDevices: [
      { lfdi: A, pin: 111115 },
      { lfdi: B, registration: 'in-band', pin: 123455 },
    ],
    programs: [
      {
        mRID: 'a1',
        description: 'export limits',
        primacy: 1,
        defaultControl: { DERControlBase: { opModExpLimW: { multiplier: 0, value: 5000 } }, setGradW: 27 },
        controls: [
          {
            mRID: 'c1',
            interval: { start: T0 + 60, duration: 300 },
            DERControlBase: { opModExpLimW: { multiplier: 0, value: 1500 } },
          },
        ],
      },
    ],
  };
}

let clock = T0;
function server(cfg: TestServerConfig = config()): SepTestServer {
  clock = T0;
  return new SepTestServer(cfg, { clock: () => clock });
}

function get(
  s: SepTestServer,
  path: string,
  lfdi?: string,
  headers: Record<string, string> = {},
): SepHttpResponse {
  return s.handle({ method: 'GET', path, headers, ...(lfdi === undefined ? {} : { lfdi }) });
}

function send(
  s: SepTestServer,
  method: string,
  path: string,
  doc: AnyResource | string,
  lfdi?: string,
  contentType = 'application/sep+xml',
): SepHttpResponse {
  const text = typeof doc === 'string' ? doc : encodeXml(doc);
  return s.handle({
    method,
    path,
    headers: { 'content-type': contentType },
    body: new TextEncoder().encode(text),
    ...(lfdi === undefined ? {} : { lfdi }),
  });
}

function body(r: SepHttpResponse): Record<string, unknown> {
  if (r.body === undefined) throw new Error(`no body (status ${r.status})`);
  return decodeXml(r.body).resource as unknown as Record<string, unknown>;
}

t.test('GET DeviceCapability, Time, lists with paging and ListLink counts', async (t) => {
  const s = server();
  const dcap = get(s, '/dcap', A);
  t.equal(dcap.status, 200);
  t.equal(dcap.headers['content-type'], 'application/sep+xml');
  const d = body(dcap);
  t.equal(d['pollRate'], 60);
  t.same(d['EndDeviceListLink'], { href: '/edev', all: 1 }, 'the client sees one EndDevice: its own');
  const tm = body(get(s, '/tm', A));
  t.equal(tm['currentTime'], BigInt(T0));
  t.equal(tm['quality'], 4);
  const head = s.handle({ method: 'HEAD', path: '/tm', lfdi: A });
  t.equal(head.status, 200);
  t.equal(head.body, undefined, 'HEAD has no body');
  // Paging: /derp has one program; l defaults to 1.
  s.addProgram({ mRID: 'a2', primacy: 2 });
  s.addProgram({ mRID: 'a3', primacy: 3 });
  const p1 = body(get(s, '/derp', A));
  t.equal(p1['all'], 3);
  t.equal(p1['results'], 1);
  const p2 = body(get(s, '/derp?s=1&l=5', A));
  t.same(
    (p2['DERProgram'] as { mRID: string }[]).map((p) => p.mRID),
    ['a2', 'a3'],
  );
  const p3 = body(get(s, '/derp?s=3&l=5', A));
  t.equal(p3['results'], 0);
  t.equal(p3['DERProgram'], undefined);
  t.equal(get(s, '/derp?s=x', A).status, 400);
  // `a` filters DERControls by interval start.
  s.addDERControl('/derp/1', {
    mRID: 'c2',
    interval: { start: T0 + 1000, duration: 60 },
    DERControlBase: { opModConnect: true },
  });
  const after = body(get(s, `/derp/1/derc?a=${T0 + 500}&l=10`, A));
  t.equal(after['all'], 2);
  t.same(
    (after['DERControl'] as { mRID: string }[]).map((c) => c.mRID),
    ['c2'],
  );
  const all = body(get(s, '/derp/1/derc?l=10', A));
  t.same(
    (all['DERControl'] as { mRID: string }[]).map((c) => c.mRID),
    ['c1', 'c2'],
    'ordered by start',
  );
  // Active controls list.
  t.equal(body(get(s, '/derp/1/actderc', A))['all'], 0);
  clock = T0 + 100;
  t.same(
    (body(get(s, '/derp/1/actderc?l=5', A))['DERControl'] as { mRID: string }[]).map((c) => c.mRID),
    ['c1'],
  );
});

t.test('status codes of the HTTP binding', async (t) => {
  const s = server();
  t.equal(get(s, '/nothing', A).status, 404);
  t.equal(get(s, '/dcap', A, { accept: 'application/json' }).status, 406);
  t.equal(get(s, '/dcap/', A, { accept: 'application/sep+xml' }).status, 200, 'trailing slash ignored');
  const put = s.handle({ method: 'PUT', path: '/dcap', lfdi: A });
  t.equal(put.status, 405);
  t.equal(put.headers['allow'], 'GET, HEAD');
  t.equal(s.handle({ method: 'DELETE', path: '/tm', lfdi: A }).status, 405);
  t.equal(s.handle({ method: 'PATCH', path: '/edev', lfdi: A }).status, 405);
  // PUT targets: 404 until written; then 204 and readable.
  t.equal(get(s, '/edev/1/der/1/ders', A).status, 404);
  const status = {
    type: 'DERStatus',
    resource: { readingTime: BigInt(T0), genConnectStatus: { dateTime: BigInt(T0), value: '01' } },
  } as AnyResource;
  t.equal(send(s, 'PUT', '/edev/1/der/1/ders', status, A, 'application/xml').status, 415);
  t.equal(
    send(s, 'PUT', '/edev/1/der/1/ders', '<DERStatus xmlns="urn:ieee:std:2030.5:ns"><oops', A).status,
    400,
  );
  t.equal(
    send(
      s,
      'PUT',
      '/edev/1/der/1/ders',
      {
        type: 'DERSettings',
        resource: { setMaxW: { multiplier: 0, value: 1 }, updatedTime: 0n, setGradW: 1 },
      } as unknown as AnyResource,
      A,
    ).status,
    400,
    'wrong type',
  );
  t.equal(send(s, 'PUT', '/edev/1/der/1/ders', status, A).status, 204);
  t.equal(body(get(s, '/edev/1/der/1/ders', A))['readingTime'], BigInt(T0));
  // Incomplete DERSettings (missing required elements) is refused (S-ALL-55).
  t.equal(
    send(
      s,
      'PUT',
      '/edev/1/der/1/derg',
      '<DERSettings xmlns="urn:ieee:std:2030.5:ns"><setGradW>1</setGradW></DERSettings>',
      A,
    ).status,
    400,
  );
  // Too large.
  const small = new SepTestServer({ ...config(), maxBodyBytes: 10 }, { clock: () => clock });
  t.equal(send(small, 'PUT', '/edev/1/der/1/ders', status, A).status, 413);
  t.ok(
    s.exchanges.some((e) => e.method === 'PUT' && e.status === 204),
    'the PUT is recorded',
  );
  t.ok(
    s.exchanges.some((e) => e.status === 415 && e.reason !== undefined),
    'refusals recorded with a reason',
  );
  const capped = new SepTestServer({}, { maxExchanges: 3 });
  for (let i = 0; i < 5; i++) get(capped, '/dcap');
  t.same(
    capped.exchanges.map((e) => e.seq),
    [3, 4, 5],
    'only the newest exchanges are kept',
  );
});

t.test('LFDI-based authorisation and registration', async (t) => {
  const s = server();
  // Out-of-band device A: sees its EndDevice; B (not yet registered) sees none.
  const listA = body(get(s, '/edev?l=10', A));
  t.equal(listA['all'], 1);
  t.equal((listA['EndDevice'] as { lFDI: string }[])[0]?.lFDI, A);
  t.equal(body(get(s, '/edev?l=10', B))['all'], 0);
  t.equal(get(s, '/edev/1', B).status, 403, 'another client is refused');
  t.equal(get(s, '/edev/1/rg', B).status, 403);
  t.equal(get(s, '/edev/1/rg', undefined).status, 403, 'anonymous is refused');
  t.equal(body(get(s, '/edev/1/rg', A))['pIN'], 111115);
  // In-band registration of B: its PIN comes from the configuration.
  const edevB = {
    type: 'EndDevice',
    resource: { lFDI: B, sFDI: Number(sfdiFromLfdi(B)), changedTime: BigInt(T0) },
  } as AnyResource;
  t.equal(send(s, 'POST', '/edev', edevB, A).status, 403, 'A cannot register B');
  const wrongSfdi = { type: 'EndDevice', resource: { lFDI: B, sFDI: 1, changedTime: 0n } } as AnyResource;
  t.equal(send(s, 'POST', '/edev', wrongSfdi, B).status, 400);
  const created = send(s, 'POST', '/edev', edevB, B);
  t.equal(created.status, 201);
  t.equal(created.headers['location'], '/edev/2');
  t.equal(body(get(s, '/edev/2/rg', B))['pIN'], 123455);
  t.equal(
    send(s, 'POST', '/edev', edevB, B).headers['location'],
    '/edev/2',
    'duplicate registration → same EndDevice',
  );
  // An aggregator sees every EndDevice and may register others.
  t.equal(body(get(s, '/edev?l=10', AGG))['all'], 2);
  const C = 'cc'.repeat(20);
  t.equal(
    send(
      s,
      'POST',
      '/edev',
      {
        type: 'EndDevice',
        resource: { lFDI: C, sFDI: Number(sfdiFromLfdi(C)), changedTime: 0n },
      } as AnyResource,
      AGG,
    ).status,
    201,
  );
  t.equal(s.endDeviceOf(C), '/edev/3');
  // In-band registration switched off.
  const closed = new SepTestServer({ inBandRegistration: false });
  t.equal(send(closed, 'POST', '/edev', edevB, B).status, 403);
  // EndDevice deletion.
  t.equal(s.handle({ method: 'DELETE', path: '/edev/3', lfdi: AGG }).status, 204);
  t.equal(get(s, '/edev/3', AGG).status, 404);
  t.equal(s.endDeviceOf(C), undefined);
});

t.test('Responses, MirrorUsagePoints, LogEvents', async (t) => {
  const s = server();
  const rsp = {
    type: 'DERControlResponse',
    resource: { createdDateTime: BigInt(T0), endDeviceLFDI: A, status: 1, subject: 'c1' },
  } as AnyResource;
  const r = send(s, 'POST', '/rsps/1/rsp', rsp, A);
  t.equal(r.status, 201);
  t.equal(r.headers['location'], '/rsps/1/rsp/1');
  t.equal(send(s, 'POST', '/rsps/1/rsp', rsp, B).status, 400, 'endDeviceLFDI must be the client');
  t.same(
    s.responses.map((x) => [x.subject, x.status, x.endDeviceLFDI]),
    [['c1', 1, A]],
  );
  t.equal(get(s, '/rsps/1/rsp/1', B).status, 403);
  const mup = {
    type: 'MirrorUsagePoint',
    resource: {
      mRID: 'aa01',
      description: 'site',
      roleFlags: '03',
      serviceCategoryKind: 0,
      status: 1,
      deviceLFDI: A,
    },
  } as AnyResource;
  const m = send(s, 'POST', '/mup', mup, A);
  t.equal(m.status, 201);
  const href = m.headers['location'] as string;
  t.equal(send(s, 'POST', '/mup', mup, A).headers['location'], href, 'same mRID → same MirrorUsagePoint');
  t.equal(body(get(s, '/mup?l=5', B))['all'], 0, 'other clients do not see it');
  const mmr = {
    type: 'MirrorMeterReading',
    resource: { mRID: 'bb01', Reading: { value: 1234 }, ReadingType: { powerOfTenMultiplier: 0, uom: 38 } },
  } as AnyResource;
  t.equal(send(s, 'POST', href, mmr, A).status, 201);
  t.equal((body(get(s, href, A))['MirrorMeterReading'] as unknown[]).length, 1);
  t.ok(s.received.some((x) => x.document.type === 'MirrorMeterReading' && x.lfdi === A));
  const log = {
    type: 'LogEvent',
    resource: {
      createdDateTime: BigInt(T0),
      functionSet: 0,
      logEventCode: 1,
      logEventID: 7,
      logEventPEN: 40732,
      profileID: 1,
    },
  } as AnyResource;
  const l = send(s, 'POST', '/edev/1/lel', log, A);
  t.equal(l.status, 201);
  t.equal(l.headers['location'], '/edev/1/lel/1');
  t.equal(send(s, 'POST', '/edev/1/lel', mup, A).status, 400, 'wrong type for the list');
  t.equal(send(s, 'POST', '/dcap', log, A).status, 405);
});

t.test('subscriptions queue Notifications with the changed resource', async (t) => {
  const s = server();
  const sub = (resource: string, uri = 'http://127.0.0.1:9/notify', limit = 5) =>
    ({
      type: 'Subscription',
      resource: { subscribedResource: resource, encoding: 0, level: '+S1', limit, notificationURI: uri },
    }) as AnyResource;
  t.equal(send(s, 'POST', '/edev/1/sub', sub('/derp/1/derc', '/relative'), A).status, 400);
  t.equal(send(s, 'POST', '/edev/1/sub', sub('/nowhere'), A).status, 400);
  const created = send(s, 'POST', '/edev/1/sub', sub('/derp/1/derc'), A);
  t.equal(created.status, 201);
  t.equal(created.headers['location'], '/edev/1/sub/1');
  t.equal(send(s, 'POST', '/edev/1/sub', sub('/edev/1', 'http://127.0.0.1:9/n', 0), A).status, 201);
  t.same(s.takeNotifications(), [], 'creating a subscription sends nothing');
  s.addDERControl('/derp/1', {
    mRID: 'c9',
    interval: { start: T0 + 900, duration: 60 },
    DERControlBase: { opModConnect: false },
  });
  const out = s.takeNotifications();
  t.equal(out.length, 1);
  const n = decodeXml(out[0]?.body as string);
  t.equal(n.type, 'Notification');
  t.match(out[0]?.body, /xsi:type="DERControlList"/);
  const res = n.resource as unknown as {
    subscribedResource: string;
    status: number;
    Resource: { type: string; resource: { all: number } };
  };
  t.equal(res.subscribedResource, '/derp/1/derc');
  t.equal(res.Resource.type, 'DERControlList');
  t.equal(res.Resource.resource.all, 2);
  // Non-list subscription with limit 0: no representation.
  s.setPostRate('/edev/1', 30);
  const edevNote = s.takeNotifications();
  t.equal(edevNote.length, 1);
  t.equal(
    (decodeXml(edevNote[0]?.body as string).resource as unknown as { Resource?: unknown }).Resource,
    undefined,
  );
  // Cancelling notifies; deleting the subscription stops notifications.
  s.cancelDERControl('/derp/1/derc/2');
  t.equal(s.takeNotifications().length, 1);
  t.equal(s.handle({ method: 'DELETE', path: '/edev/1/sub/1', lfdi: A }).status, 204);
  s.cancelDERControl('/derp/1/derc/2', true);
  t.equal(s.takeNotifications().length, 0);
  // Deleting a subscribed resource gives status 4.
  send(s, 'POST', '/edev/1/sub', sub('/derp/1/dderc'), A);
  s.deleteResource('/derp/1/dderc');
  const gone = s.takeNotifications();
  t.equal((decodeXml(gone[0]?.body as string).resource as unknown as { status: number }).status, 4);
  // Delivery records the outcome (nothing listens on port 9).
  send(s, 'POST', '/edev/1/sub', sub('/derp'), A);
  s.addProgram({ mRID: 'a7', primacy: 7 });
  await deliverNotifications(s, async () => 204);
  t.equal(s.exchanges.filter((e) => e.direction === 'notification').at(-1)?.status, 204);
  t.ok(s.activeSubscriptions().length >= 2);
});

t.test('JSON resources and the admin API', async (t) => {
  const doc = resourceFromJson('DERControl', {
    mRID: 'c1',
    creationTime: '1700000000',
    EventStatus: { currentStatus: 0, dateTime: 1700000000, potentiallySuperseded: false },
    interval: { start: 1700000060, duration: 60 },
    DERControlBase: { opModExpLimW: { multiplier: 0, value: 0 } },
  });
  t.equal((doc.resource as { creationTime: bigint }).creationTime, 1700000000n);
  t.throws(() => resourceFromJson('Nope', {}), { code: 207 });
  t.throws(() => resourceFromJson('DERControl', { creationTime: 'soon' }), { code: 207 });
  t.throws(() => resourceFromJson('DERControl', []), { code: 207 });
  t.throws(() => resourceFromJson('Notification', { Resource: 3 }), { code: 207 });
  t.same(resourceToJson({ a: 1n }), { a: '1' });
  const s = server();
  const [st, out] = handleAdmin(s, 'POST', '/admin/derc', {
    program: '/derp/1',
    control: {
      mRID: 'c5',
      interval: { start: T0 + 10, duration: 60 },
      DERControlBase: { opModEnergize: false },
    },
  });
  t.equal(st, 201);
  t.same(out, { href: '/derp/1/derc/2' });
  t.equal(handleAdmin(s, 'POST', '/admin/derc', { program: '/derp/9', control: {} })[0], 400);
  t.equal(
    handleAdmin(s, 'POST', '/admin/derc', { program: '/derp/1', control: { mRID: 'not hex' } })[0],
    400,
  );
  t.equal(handleAdmin(s, 'POST', '/admin/derp', { mRID: 'zz', primacy: 1 })[0], 400);
  t.equal(
    handleAdmin(s, 'POST', '/admin/dderc', {
      program: '/derp/1',
      control: { DERControlBase: { opModMaxLimW: -1 } },
    })[0],
    400,
  );
  t.equal(handleAdmin(s, 'POST', '/admin/derc/cancel', { href: '/derp/1/derc/2' })[0], 200);
  t.equal(handleAdmin(s, 'POST', '/admin/derc/cancel', { href: '/dcap' })[0], 400);
  t.equal(
    handleAdmin(s, 'POST', '/admin/dderc', { program: '/derp/1', control: { DERControlBase: {} } })[0],
    201,
  );
  t.equal(handleAdmin(s, 'POST', '/admin/derp', { mRID: 'a9', primacy: 9 })[0], 201);
  t.equal(handleAdmin(s, 'POST', '/admin/edev', { lfdi: 'dd'.repeat(20) })[0], 201);
  t.equal(handleAdmin(s, 'POST', '/admin/edev', {})[0], 400);
  t.equal(handleAdmin(s, 'POST', '/admin/poll-rate', { href: '/derp', pollRate: 30 })[0], 200);
  t.equal(handleAdmin(s, 'POST', '/admin/poll-rate', { href: '/dcap', pollRate: 30 })[0], 200);
  t.equal(handleAdmin(s, 'POST', '/admin/poll-rate', { href: '/derp/1', pollRate: 30 })[0], 400);
  t.equal(handleAdmin(s, 'POST', '/admin/poll-rate', { href: '/derp', pollRate: -1 })[0], 400);
  t.equal(handleAdmin(s, 'POST', '/admin/post-rate', { href: '/edev/1', postRate: 30 })[0], 200);
  t.equal(handleAdmin(s, 'POST', '/admin/post-rate', { href: '/derp', postRate: 30 })[0], 400);
  t.equal(
    (
      handleAdmin(s, 'GET', '/admin/resource?href=/derp/1/derc/2', undefined)[1] as {
        resource: { EventStatus: { currentStatus: number } };
      }
    ).resource.EventStatus.currentStatus,
    2,
  );
  t.equal(handleAdmin(s, 'GET', '/admin/resource?href=/nope', undefined)[0], 404);
  t.equal(handleAdmin(s, 'DELETE', '/admin/resource?href=/derp/1/derc/2', undefined)[0], 200);
  t.equal(handleAdmin(s, 'DELETE', '/admin/resource?href=/derp/1/derc/2', undefined)[0], 404);
  for (const p of ['exchanges', 'responses', 'received', 'subscriptions'])
    t.equal(handleAdmin(s, 'GET', `/admin/${p}`, undefined)[0], 200, p);
  t.equal(handleAdmin(s, 'GET', '/admin/unknown', undefined)[0], 404);
  // Over loopback HTTP.
  let changes = 0;
  const admin = await startAdmin(s, { afterChange: () => changes++ });
  t.teardown(admin.close);
  const post = await fetch(`${admin.url}/admin/derc`, {
    method: 'POST',
    body: JSON.stringify({
      program: '/derp/1',
      control: { interval: { start: T0, duration: 5 }, DERControlBase: { opModConnect: true } },
    }),
  });
  t.equal(post.status, 201);
  t.match(await post.json(), { href: /^\/derp\/1\/derc\/\d+$/ });
  t.equal(changes, 1);
  t.equal((await fetch(`${admin.url}/admin/derc`, { method: 'POST', body: '{oops' })).status, 400);
  const ex = await fetch(`${admin.url}/admin/exchanges`);
  t.equal(ex.status, 200);
  t.ok(Array.isArray(await ex.json()));
});

t.test(
  'EndDevice-scoped DERPrograms: /edev/n/derp/m/derc through an EndDevice FSA, paged, private',
  async (t) => {
    const cfg = config();
    const s = server({
      ...cfg,
      endDevices: [
        {
          lfdi: A,
          programs: [
            {
              mRID: 'e1',
              primacy: 0,
              controls: [0, 1, 2, 3, 4].map((i) => ({
                mRID: `e10${i}`,
                interval: { start: T0 + 600 * (4 - i), duration: 300 },
                DERControlBase: { opModExpLimW: { multiplier: 0, value: 100 * i } },
              })),
            },
          ],
        },
        { lfdi: AGG.replace(/a/g, 'b') },
      ],
    });
    // The device's FSA list holds the shared FSA and its own one, which links its DERProgramList.
    const fsas = body(get(s, '/edev/1/fsa?l=10', A));
    t.equal(fsas['all'], 2);
    const own = (
      fsas['FunctionSetAssignments'] as { href: string; DERProgramListLink: { href: string } }[]
    )[1]!;
    t.equal(own.href, '/edev/1/fsa/1');
    t.same(own.DERProgramListLink, { href: '/edev/1/derp', all: 1 });
    const programs = body(get(s, '/edev/1/derp?l=5', A));
    t.equal((programs['DERProgram'] as { href: string }[])[0]!.href, '/edev/1/derp/1');
    // Paging the EndDevice program's DERControlList: ordered by start, s/l honoured.
    const page = body(get(s, '/edev/1/derp/1/derc?s=1&l=2', A));
    t.equal(page['all'], 5);
    t.equal(page['results'], 2);
    t.same(
      (page['DERControl'] as { mRID: string }[]).map((c) => c.mRID),
      ['e103', 'e102'],
    );
    // Private to the device: another client gets 403, and the shared program list does not hold it.
    const other = AGG.replace(/a/g, 'b');
    t.equal(get(s, '/edev/1/derp/1/derc', other).status, 403);
    t.equal(get(s, '/edev/2/fsa', other).status, 200);
    t.equal(body(get(s, '/edev/2/fsa?l=5', other))['all'], 1, 'the other device has only the shared FSA');
    t.equal(body(get(s, '/derp?l=10', A))['all'], 1);
    // Admin API: a second program joins the same FSA; hrefs outside the device are refused.
    t.same(
      handleAdmin(s, 'POST', '/admin/edev-derp', {
        endDevice: '/edev/1',
        program: { mRID: 'e2', primacy: 3 },
      }),
      [201, { href: '/edev/1/derp/2' }],
    );
    t.equal(body(get(s, '/edev/1/fsa?l=10', A))['all'], 2);
    t.equal(body(get(s, '/edev/1/derp?l=10', A))['all'], 2);
    t.equal(
      handleAdmin(s, 'POST', '/admin/edev-derp', {
        endDevice: '/edev/1',
        program: { href: '/derp/7', mRID: 'e3', primacy: 3 },
      })[0],
      400,
    );
    t.equal(
      handleAdmin(s, 'POST', '/admin/edev-derp', {
        endDevice: '/derp/1',
        program: { mRID: 'e4', primacy: 3 },
      })[0],
      400,
    );
    // A control added at run time to the device program is served there.
    s.addDERControl('/edev/1/derp/2', { interval: { start: T0, duration: 60 }, DERControlBase: {} });
    t.equal(body(get(s, '/edev/1/derp/2/derc', A))['all'], 1);
  },
);

t.test('plain HTTP listener with an LFDI header for tests', async (t) => {
  const s = server();
  const run = await startSepServer(s, { plainLfdiHeader: 'x-sep-lfdi' });
  t.teardown(run.close);
  const ok = await fetch(`${run.url}/edev?l=5`, { headers: { 'x-sep-lfdi': A } });
  t.equal(ok.status, 200);
  t.equal(ok.headers.get('content-type'), 'application/sep+xml');
  t.equal((decodeXml(await ok.text()).resource as unknown as { all: number }).all, 1);
  const anon = await fetch(`${run.url}/edev/1`);
  t.equal(anon.status, 403);
  const big = await fetch(`${run.url}/mup`, {
    method: 'POST',
    headers: { 'content-type': 'application/sep+xml' },
    body: 'x'.repeat(70000),
  });
  t.equal(big.status, 413);
});
