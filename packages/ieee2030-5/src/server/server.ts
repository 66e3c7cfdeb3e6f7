/**
 * IEEE 2030.5 test server (a utility-server stand-in for labs and tests), sans-IO: `handle` takes
 * one HTTP request (method, path, headers, body and the client's LFDI from its TLS certificate)
 * and returns the response, following the HTTP binding of IEEE 2030.5-2018 §5.5 (GET/HEAD 200,
 * POST 201 + Location, PUT/DELETE 204, 400/403/404/405 + Allow/406/413/415), list paging (§5.5.3),
 * LFDI-based access control (§6.11: a client sees only its own EndDevice and what hangs below it),
 * in-band and out-of-band registration (§6.3), subscriptions with Notifications (§9), Response
 * collection, MirrorUsagePoint telemetry (§10.x Metering Mirror) and LogEvents. Admin methods
 * change DER programs at run time; every exchange is recorded. `listen.ts` puts it on TLS or HTTP.
 */
import { ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import { Ieee20305ErrorCode } from '../errors.js';
import { asAnyResource, type SepDocument } from '../http/document.js';
import { acceptsSepXml, isSepXmlContentType, SEP_XML } from '../http/media.js';
import { type ListQuery, pageList, parseListQuery } from '../http/paging.js';
import { HttpStatus } from '../http/status.js';
import { sfdiFromLfdi } from '../ids.js';
import { complexType } from '../model/lookup.js';
import { decodeXml, encodeXml } from '../xml/codec.js';
import { conditionMet, parseCondition, readingValuesOf, type SubscriptionCondition } from './condition.js';
import type { EndDeviceConfig, ProgramConfig, TestServerConfig } from './config.js';
import type { Exchange } from './exchange.js';
import { resourceFromJson } from './json.js';
import { ResourceStore, type StoredList, type StoredNode } from './store.js';
import {
  NotificationStatus,
  notificationFor,
  type OutgoingNotification,
  type SubscriptionRecord,
} from './subscriptions.js';

/** One HTTP request as the server sees it. */
export interface SepHttpRequest {
  readonly method: string;
  /** Path with optional query (`/edev?s=0&l=10`). */
  readonly path: string;
  /** Header values by lower-case name. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: Uint8Array;
  /** LFDI of the authenticated client (from its TLS certificate); undefined for anonymous plain HTTP. */
  readonly lfdi?: string;
}

/** The server's answer. */
export interface SepHttpResponse {
  readonly status: number;
  /** Header values by lower-case name (`content-type`, `location`, `allow`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

/** A Response a client POSTed (IEEE 2030.5-2018 Response function set). */
export interface ReceivedResponse {
  readonly href: string;
  readonly lfdi: string | undefined;
  /** Server time of receipt (TimeType seconds). */
  readonly receivedAt: number;
  /** sep.xsd type (`Response`, `DERControlResponse`). */
  readonly type: string;
  readonly subject: string;
  readonly status: number | undefined;
  readonly createdDateTime: bigint | undefined;
  readonly endDeviceLFDI: string;
}

/** A resource a client POSTed or PUT (telemetry, DER settings and status, log events). */
export interface ReceivedResource {
  readonly href: string;
  readonly lfdi: string | undefined;
  readonly receivedAt: number;
  readonly method: 'POST' | 'PUT';
  readonly document: SepDocument;
}

/** Options of `SepTestServer`. */
export interface SepTestServerOptions {
  /** Server clock, TimeType seconds (default: system time). Tests pass a virtual clock. */
  readonly clock?: () => number;
  /** Most exchanges kept in `exchanges`; the oldest are dropped beyond it (default 100000). */
  readonly maxExchanges?: number;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

class HttpRefusal extends Error {
  readonly status: number;
  readonly allow: string | undefined;
  constructor(status: number, reason: string, allow?: string) {
    super(reason);
    this.status = status;
    this.allow = allow;
  }
}

/** Deviations a request body may carry: schema order and element-name case (see `xml/codec.ts`). */
const TOLERATED = new Set<number>([Ieee20305ErrorCode.ElementOrder, Ieee20305ErrorCode.ElementNameCase]);

const PUT_TYPES = new Set([
  'DERCapability',
  'DERSettings',
  'DERStatus',
  'DERAvailability',
  'ConnectionPointType',
]);

function hasField(type: string, name: string): boolean {
  return complexType(type)?.fields.some((f) => f.name === name) === true;
}

function timeOf(resource: Record<string, unknown>): bigint | number | undefined {
  const interval = resource['interval'] as { start?: bigint } | undefined;
  const t =
    interval?.start ??
    resource['createdDateTime'] ??
    resource['creationTime'] ??
    resource['changedTime'] ??
    resource['dateTimeRegistered'];
  return typeof t === 'bigint' || typeof t === 'number' ? t : undefined;
}

function normalizePath(path: string): { path: string; query: URLSearchParams } {
  const q = path.indexOf('?');
  let p = q < 0 ? path : path.slice(0, q);
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return { path: p, query: new URLSearchParams(q < 0 ? '' : path.slice(q + 1)) };
}

/**
 * The IEEE 2030.5 test server. Build it from a `TestServerConfig`, answer requests with `handle`,
 * deliver the Notifications it queues (`takeNotifications`), inspect `exchanges`, `responses` and
 * `received`, and change the DER programs with the admin methods (`addDERControl`, ...).
 */
export class SepTestServer {
  readonly store = new ResourceStore();
  /** Every exchange, in order. */
  readonly exchanges: Exchange[] = [];
  /** Every Response POSTed by clients. */
  readonly responses: ReceivedResponse[] = [];
  /** Every other resource clients POSTed or PUT (MUPs, readings, DER status, settings, log events). */
  readonly received: ReceivedResource[] = [];
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private outbox: OutgoingNotification[] = [];
  private readonly config: TestServerConfig;
  private readonly clock: () => number;
  private readonly aggregators: Set<string>;
  private readonly pendingInBand = new Map<string, EndDeviceConfig>();
  private readonly edevByLfdi = new Map<string, string>();
  private seq = 0;
  private allFsa: string[] = [];
  private mridCounter = 0;
  private readonly maxExchanges: number;

  constructor(config: TestServerConfig = {}, options: SepTestServerOptions = {}) {
    this.config = config;
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.maxExchanges = options.maxExchanges ?? 100_000;
    this.aggregators = new Set((config.aggregators ?? []).map((l) => l.replace(/[\s:-]/g, '').toLowerCase()));
    this.build();
  }

  /** Server time, TimeType seconds. */
  now(): number {
    return Math.floor(this.clock());
  }

  private get pollRate(): number {
    return this.config.pollRate ?? 900;
  }

  private build(): void {
    const c = this.config;
    const s = this.store;
    s.putResource('/dcap', {
      type: 'DeviceCapability',
      resource: {
        ResponseSetListLink: { href: '/rsps' },
        TimeLink: { href: '/tm' },
        EndDeviceListLink: { href: '/edev' },
        MirrorUsagePointListLink: { href: '/mup' },
        pollRate: this.pollRate,
      },
    });
    s.putList('/edev', 'EndDeviceList', {
      pollRate: this.pollRate,
      subscribable: 1,
      postTypes: ['EndDevice'],
    });
    s.putList('/mup', 'MirrorUsagePointList', { pollRate: this.pollRate, postTypes: ['MirrorUsagePoint'] });
    s.putResource('/rsps/1', {
      type: 'ResponseSet',
      resource: { mRID: '0a', description: 'DER responses', ResponseListLink: { href: '/rsps/1/rsp' } },
    });
    s.putList('/rsps', 'ResponseSetList', { items: ['/rsps/1'], pollRate: this.pollRate });
    s.putList('/rsps/1/rsp', 'ResponseList', { postTypes: ['Response', 'DERControlResponse'] });
    const programs = c.programs ?? [];
    const programHrefs: string[] = [];
    s.putList('/derp', 'DERProgramList', { pollRate: this.pollRate, subscribable: 1 });
    for (const p of programs) programHrefs.push(this.addProgram(p, false));
    const fsas = c.fsa ?? [{ mRID: 'f5a0', description: 'all programs', programs: programHrefs }];
    const fsaHrefs: string[] = [];
    for (const f of fsas) {
      const href = f.href ?? s.nextChild('/fsa');
      s.putResource(href, {
        type: 'FunctionSetAssignments',
        resource: {
          DERProgramListLink: { href: `${href}/derp` },
          TimeLink: { href: '/tm' },
          mRID: f.mRID,
          ...(f.description === undefined ? {} : { description: f.description }),
          subscribable: 1,
        },
      });
      s.putList(`${href}/derp`, 'DERProgramList', {
        items: f.programs,
        pollRate: this.pollRate,
        subscribable: 1,
      });
      fsaHrefs.push(href);
    }
    this.allFsa = fsaHrefs;
    for (const r of c.resources ?? []) {
      s.putResource(r.href, resourceFromJson(r.type, r.resource), {
        ...(r.puttable === undefined ? {} : { puttable: r.puttable }),
        ...(r.deletable === undefined ? {} : { deletable: r.deletable }),
      });
    }
    for (const l of c.lists ?? []) {
      s.putList(l.href, l.type, {
        items: l.items,
        ...(l.pollRate === undefined ? {} : { pollRate: l.pollRate }),
        ...(l.subscribable === undefined ? {} : { subscribable: l.subscribable }),
      });
    }
    for (const d of c.endDevices ?? []) {
      const lfdi = normalizeLfdi(d.lfdi);
      if (d.registration === 'in-band') this.pendingInBand.set(lfdi, d);
      else this.registerEndDevice(d);
    }
    // Subscriptions given in the configuration are active from the start (IEEE 2030.5-2018 §9).
    this.syncSubscriptions();
  }

  // ---------------------------------------------------------------- admin methods

  /**
   * Registers an EndDevice out of band (IEEE 2030.5-2018 §6.3; CSIP-AUS ALL-01): creates
   * `/edev/<n>` with its Registration (PIN), FunctionSetAssignmentsList, DERList with one DER and
   * its PUT targets, SubscriptionList, LogEventList and (CSIP-AUS) ConnectionPoint, owned by the
   * LFDI. Returns the EndDevice href (the existing one when the LFDI is already registered).
   */
  registerEndDevice(device: EndDeviceConfig): string {
    const lfdi = normalizeLfdi(device.lfdi);
    const existing = this.edevByLfdi.get(lfdi);
    if (existing !== undefined) return existing;
    const s = this.store;
    const href = s.nextChild('/edev');
    const now = BigInt(this.now());
    const withCp = device.connectionPoint !== false;
    s.putResource(
      href,
      {
        type: 'EndDevice',
        resource: {
          subscribable: 1,
          DERListLink: { href: `${href}/der` },
          ...(device.deviceCategory === undefined ? {} : { deviceCategory: device.deviceCategory }),
          lFDI: lfdi,
          LogEventListLink: { href: `${href}/lel` },
          sFDI: Number(sfdiFromLfdi(lfdi)),
          changedTime: now,
          enabled: true,
          FunctionSetAssignmentsListLink: { href: `${href}/fsa` },
          postRate: device.postRate ?? this.config.postRate ?? 900,
          RegistrationLink: { href: `${href}/rg` },
          SubscriptionListLink: { href: `${href}/sub` },
          ...(withCp ? { ConnectionPointLink: { href: `${href}/cp` } } : {}),
        },
      },
      { deletable: true },
    );
    s.setOwner(href, lfdi);
    s.putResource(`${href}/rg`, {
      type: 'Registration',
      resource: {
        dateTimeRegistered: now,
        pIN: device.pin ?? this.config.defaultPin ?? 111115,
        pollRate: this.pollRate,
      },
    });
    s.putList(`${href}/fsa`, 'FunctionSetAssignmentsList', {
      items: device.fsa ?? this.allFsa,
      pollRate: this.pollRate,
      subscribable: 1,
    });
    const der = `${href}/der/1`;
    s.putResource(der, {
      type: 'DER',
      resource: {
        DERAvailabilityLink: { href: `${der}/dera` },
        DERCapabilityLink: { href: `${der}/dercap` },
        DERSettingsLink: { href: `${der}/derg` },
        DERStatusLink: { href: `${der}/ders` },
      },
    });
    s.putList(`${href}/der`, 'DERList', { items: [der], pollRate: this.pollRate });
    s.putSlot(`${der}/dera`, 'DERAvailability');
    s.putSlot(`${der}/dercap`, 'DERCapability');
    s.putSlot(`${der}/derg`, 'DERSettings');
    s.putSlot(`${der}/ders`, 'DERStatus');
    if (withCp) s.putSlot(`${href}/cp`, 'ConnectionPointType');
    s.putList(`${href}/sub`, 'SubscriptionList', { postTypes: ['Subscription'] });
    s.putList(`${href}/lel`, 'LogEventList', { postTypes: ['LogEvent'], subscribable: 1 });
    const list = s.get('/edev') as StoredList;
    list.items.push(href);
    this.edevByLfdi.set(lfdi, href);
    for (const p of device.programs ?? []) this.addEndDeviceProgram(href, p);
    this.changed('/edev');
    return href;
  }

  /**
   * Adds a DERProgram for one EndDevice alone (IEEE 2030.5-2018 §10.10, reached
   * through the device's FunctionSetAssignmentsList like every program): `<edev>/derp/<n>` with its
   * DERControlList, ActiveDERControlList and DefaultDERControl, listed in the EndDevice-scoped
   * DERProgramList `<edev>/derp`. The first such program also creates the FunctionSetAssignments
   * `<edev>/fsa/<k>` that links that list and joins it to the device's FunctionSetAssignmentsList.
   * The subtree belongs to the device's LFDI: other clients get 403 and never see it in a list.
   * `program.href`, when given, must lie under `<edev>/derp/`. Returns the program href; throws
   * `MeterkitError` when `endDeviceHref` is not an EndDevice or the program does not fit sep.xsd.
   */
  addEndDeviceProgram(endDeviceHref: string, program: ProgramConfig): string {
    const s = this.store;
    const edev = s.get(endDeviceHref);
    if (edev?.kind !== 'resource' || edev.type !== 'EndDevice')
      throw new MeterkitError(ErrorCode.InvalidArgument, `no EndDevice at ${endDeviceHref}`);
    const listHref = `${endDeviceHref}/derp`;
    if (program.href !== undefined && !program.href.startsWith(`${listHref}/`))
      throw new MeterkitError(ErrorCode.InvalidArgument, `an EndDevice program must lie under ${listHref}/`);
    let list = s.get(listHref);
    if (list?.kind !== 'list') {
      list = s.putList(listHref, 'DERProgramList', { pollRate: this.pollRate, subscribable: 1 });
      const fsaList = s.get(`${endDeviceHref}/fsa`) as StoredList;
      const fsaHref = s.nextChild(`${endDeviceHref}/fsa`);
      s.putResource(fsaHref, {
        type: 'FunctionSetAssignments',
        resource: {
          DERProgramListLink: { href: listHref },
          TimeLink: { href: '/tm' },
          mRID: this.newMrid(),
          description: 'programs of this EndDevice',
          subscribable: 1,
        },
      });
      fsaList.items.push(fsaHref);
      this.changed(fsaList.href);
    }
    const href = this.putProgram(program.href ?? s.nextChild(listHref), program);
    list.items.push(href);
    this.changed(listHref);
    return href;
  }

  /** The EndDevice href of an LFDI, if registered. */
  endDeviceOf(lfdi: string): string | undefined {
    return this.edevByLfdi.get(normalizeLfdi(lfdi));
  }

  /**
   * Adds a DERProgram (IEEE 2030.5-2018 §10.10): `/derp/<n>` with its DERControlList
   * (`…/derc`), ActiveDERControlList (`…/actderc`) and DefaultDERControl (`…/dderc`). Returns its
   * href. With `assign` (default true) it also joins every FSA's DERProgramList. Throws
   * `MeterkitError` when the program does not fit sep.xsd (e.g. an mRID that is not hex).
   */
  addProgram(program: ProgramConfig, assign = true): string {
    const s = this.store;
    const href = this.putProgram(program.href ?? s.nextChild('/derp'), program);
    (s.get('/derp') as StoredList).items.push(href);
    if (assign) {
      for (const f of this.allFsa) {
        const l = s.get(`${f}/derp`);
        if (l?.kind === 'list') {
          l.items.push(href);
          this.changed(l.href);
        }
      }
    }
    this.changed('/derp');
    return href;
  }

  /** Stores a DERProgram at `href` with its lists, DefaultDERControl and DERControls. */
  private putProgram(href: string, program: ProgramConfig): string {
    const s = this.store;
    const doc = checked({
      type: 'DERProgram',
      resource: {
        subscribable: 1,
        mRID: program.mRID,
        ...(program.description === undefined ? {} : { description: program.description }),
        ActiveDERControlListLink: { href: `${href}/actderc` },
        DefaultDERControlLink: { href: `${href}/dderc` },
        DERControlListLink: { href: `${href}/derc` },
        primacy: program.primacy,
      },
    });
    s.putResource(href, doc);
    s.putList(`${href}/derc`, 'DERControlList', { subscribable: 1 });
    s.putList(`${href}/actderc`, 'DERControlList', { subscribable: 1 });
    if (program.defaultControl !== undefined) this.setDefaultDERControl(href, program.defaultControl);
    else s.putSlot(`${href}/dderc`, 'DefaultDERControl');
    for (const ctl of program.controls ?? []) this.addDERControl(href, ctl);
    return href;
  }

  /** Sets (or replaces) a program's DefaultDERControl (JSON or model form); notifies subscribers. */
  setDefaultDERControl(programHref: string, control: Readonly<Record<string, unknown>>): string {
    const href = `${programHref}/dderc`;
    const doc = checked(resourceFromJson('DefaultDERControl', { mRID: this.newMrid(), ...control }));
    this.store.putResource(href, doc);
    this.changed(href);
    return href;
  }

  /**
   * Removes a program's DefaultDERControl (CSIP-AUS GEN-03/LOA-07 "default control cancelled"): its href
   * answers 404 again and its subscribers get a Notification with status 4 (resource deleted, sep.xsd
   * `Notification.status`). Throws `MeterkitError` when `programHref` is not a DERProgram.
   */
  clearDefaultDERControl(programHref: string): void {
    const href = `${programHref}/dderc`;
    const node = this.store.get(href);
    if (node === undefined || node.type !== 'DefaultDERControl')
      throw new MeterkitError(ErrorCode.InvalidArgument, `no DER program at ${programHref}`);
    for (const sub of this.subscriptions.values()) {
      if (sub.subscribedResource === href)
        this.queue(sub, notificationFor(sub, undefined, NotificationStatus.ResourceDeleted));
    }
    this.store.putSlot(href, 'DefaultDERControl');
  }

  /**
   * Changes fields of a stored resource (JSON or model form, merged over the current ones) and notifies
   * its subscribers and those of the lists holding it, e.g. a Reading's `value` for conditional
   * subscriptions (IEEE 2030.5-2018 §9). Throws `MeterkitError` when there is no resource at `href` or the
   * result does not fit sep.xsd.
   */
  updateResource(href: string, fields: Readonly<Record<string, unknown>>): void {
    const node = this.store.get(href);
    if (node?.kind !== 'resource')
      throw new MeterkitError(ErrorCode.InvalidArgument, `no resource at ${href}`);
    const merged = { ...node.resource, ...resourceFromJson(node.type, fields).resource };
    const doc = checked({ type: node.type, resource: merged });
    node.resource = merged;
    this.changed(href, doc);
  }

  /**
   * Adds an entry (JSON or model form of the list's entry type) to a list resource at run time, e.g. a
   * Reading to a ReadingList, and notifies subscribers. Returns its href (`<list>/<n>`). Throws
   * `MeterkitError` when `listHref` is not a list or the entry does not fit sep.xsd.
   */
  addListEntry(listHref: string, entry: Readonly<Record<string, unknown>>): string {
    const list = this.store.get(listHref);
    if (list?.kind !== 'list') throw new MeterkitError(ErrorCode.InvalidArgument, `no list at ${listHref}`);
    const doc = checked(resourceFromJson(list.itemField, entry));
    const href = this.store.nextChild(listHref);
    this.store.putResource(href, doc);
    list.items.push(href);
    this.changed(listHref, doc);
    return href;
  }

  /**
   * Adds a DERControl (JSON or model form) to a program's DERControlList and notifies
   * subscribers. Missing fields get defaults: mRID (generated), creationTime (now), EventStatus
   * (Scheduled), replyTo (`/rsps/1/rsp`), responseRequired (config, default `03`). Returns its
   * href. Throws `MeterkitError` when the control does not fit sep.xsd.
   */
  addDERControl(programHref: string, control: Readonly<Record<string, unknown>>): string {
    const list = this.store.get(`${programHref}/derc`);
    if (list?.kind !== 'list')
      throw new MeterkitError(ErrorCode.InvalidArgument, `no DER program at ${programHref}`);
    const now = this.now();
    const doc = checked(
      resourceFromJson('DERControl', {
        replyTo: '/rsps/1/rsp',
        responseRequired: this.config.responseRequired ?? '03',
        mRID: this.newMrid(),
        creationTime: now,
        EventStatus: { currentStatus: 0, dateTime: now, potentiallySuperseded: false },
        ...control,
      }),
    );
    const href = this.store.nextChild(`${programHref}/derc`);
    this.store.putResource(href, doc);
    list.items.push(href);
    this.sortControls(list);
    this.changed(list.href);
    return href;
  }

  /**
   * Cancels a DERControl: EventStatus.currentStatus 2 (Cancelled) or, with `randomized`, 3
   * (Cancelled with Randomization) (sep.xsd `EventStatus`); notifies subscribers.
   */
  cancelDERControl(href: string, randomized = false): void {
    const node = this.store.get(href);
    if (node?.kind !== 'resource' || node.type !== 'DERControl') {
      throw new MeterkitError(ErrorCode.InvalidArgument, `no DERControl at ${href}`);
    }
    node.resource = {
      ...node.resource,
      EventStatus: {
        currentStatus: randomized ? 3 : 2,
        dateTime: BigInt(this.now()),
        potentiallySuperseded: false,
      },
    };
    this.changed(href);
  }

  /** Sets the pollRate of a list or resource that carries one (CSIP-AUS ALL-19/ALL-20); notifies subscribers. */
  setPollRate(href: string, pollRate: number): void {
    const node = this.store.get(href);
    if (node?.kind === 'list') node.pollRate = pollRate;
    else if (node?.kind === 'resource' && hasField(node.type, 'pollRate'))
      node.resource = { ...node.resource, pollRate };
    else throw new MeterkitError(ErrorCode.InvalidArgument, `${href} has no pollRate`);
    this.changed(href);
  }

  /** Sets an EndDevice's postRate (CSIP-AUS ALL-10); notifies subscribers. */
  setPostRate(endDeviceHref: string, postRate: number): void {
    const node = this.store.get(endDeviceHref);
    if (node?.kind !== 'resource' || node.type !== 'EndDevice') {
      throw new MeterkitError(ErrorCode.InvalidArgument, `no EndDevice at ${endDeviceHref}`);
    }
    node.resource = { ...node.resource, postRate, changedTime: BigInt(this.now()) };
    this.changed(endDeviceHref);
  }

  /** Removes a resource (and its subtree); subscribers of it get a "resource deleted" Notification. */
  deleteResource(href: string): boolean {
    return this.remove(href);
  }

  /** The stored representation at `href` as this client would GET it (s=0, l=255 for lists). */
  representation(href: string, lfdi?: string): SepDocument | undefined {
    const node = this.store.get(href);
    if (node === undefined || node.kind === 'slot') return undefined;
    return this.represent(node, { start: 0, limit: 255 }, lfdi);
  }

  /** Notifications queued for delivery since the last call (the caller POSTs them). */
  takeNotifications(): OutgoingNotification[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /** Every active subscription. */
  activeSubscriptions(): SubscriptionRecord[] {
    return [...this.subscriptions.values()];
  }

  /** Records the outcome of delivering a Notification (`status` 0 when it could not be delivered). */
  recordNotification(n: OutgoingNotification, status: number): void {
    this.record({
      direction: 'notification',
      ...(n.subscription.lfdi === undefined ? {} : { lfdi: n.subscription.lfdi }),
      method: 'POST',
      uri: n.subscription.notificationURI,
      status,
      requestType: 'Notification',
      requestBody: n.body,
    });
  }

  // ---------------------------------------------------------------- request handling

  /** Answers one request (IEEE 2030.5-2018 §5.5) and records the exchange. Never throws. */
  handle(req: SepHttpRequest): SepHttpResponse {
    const method = req.method.toUpperCase();
    const lfdi = req.lfdi === undefined ? undefined : normalizeLfdi(req.lfdi);
    let requestType: string | undefined;
    let res: SepHttpResponse;
    let reason: string | undefined;
    let responseType: string | undefined;
    try {
      const { path, query } = normalizePath(req.path);
      const node = path === '/tm' ? undefined : this.store.get(path);
      if (node === undefined && path !== '/tm')
        throw new HttpRefusal(HttpStatus.NotFound, `no resource at ${path}`);
      if (node !== undefined) this.authorize(node.href, lfdi);
      const headers = req.headers ?? {};
      if (method === 'GET' || method === 'HEAD') {
        if (!acceptsSepXml(headers['accept']))
          throw new HttpRefusal(HttpStatus.NotAcceptable, 'only application/sep+xml is served');
        let doc: SepDocument;
        if (node === undefined) doc = this.timeResource();
        else if (node.kind === 'slot')
          throw new HttpRefusal(HttpStatus.NotFound, `${path} has not been written yet`);
        else {
          let q: ListQuery;
          try {
            q = parseListQuery(query, {
              ...(this.config.defaultListLimit === undefined
                ? {}
                : { defaultLimit: this.config.defaultListLimit }),
              ...(this.config.maxListLimit === undefined ? {} : { maxLimit: this.config.maxListLimit }),
            });
          } catch (e) {
            throw new HttpRefusal(HttpStatus.BadRequest, (e as Error).message);
          }
          doc = this.represent(node, q, lfdi);
        }
        responseType = doc.type;
        const body = textEncoder.encode(encodeXml(asAnyResource(doc)));
        res = {
          status: HttpStatus.Ok,
          headers: { 'content-type': SEP_XML, 'content-length': String(body.length) },
          ...(method === 'GET' ? { body } : {}),
        };
      } else if (node === undefined) {
        throw new HttpRefusal(HttpStatus.MethodNotAllowed, `${method} not allowed on /tm`, 'GET, HEAD');
      } else {
        const allow = this.allowed(node);
        if (!allow.includes(method))
          throw new HttpRefusal(
            HttpStatus.MethodNotAllowed,
            `${method} not allowed on ${path}`,
            allow.join(', '),
          );
        if (method === 'DELETE') {
          this.remove(node.href);
          res = { status: HttpStatus.NoContent, headers: {} };
        } else {
          const doc = this.readBody(req);
          requestType = doc.type;
          res = method === 'PUT' ? this.put(node, doc, lfdi) : this.post(node, doc, lfdi);
        }
      }
    } catch (e) {
      if (e instanceof HttpRefusal) {
        reason = e.message;
        res = { status: e.status, headers: e.allow === undefined ? {} : { allow: e.allow } };
      } else {
        reason = isMeterkitError(e) ? e.message : 'internal error';
        res = { status: HttpStatus.InternalServerError, headers: {} };
      }
    }
    const location = res.headers['location'];
    this.record({
      direction: 'request',
      ...(lfdi === undefined ? {} : { lfdi }),
      method,
      uri: req.path,
      status: res.status,
      ...(requestType === undefined ? {} : { requestType }),
      ...(req.body === undefined || req.body.length === 0
        ? {}
        : { requestBody: textDecoder.decode(req.body) }),
      ...(responseType === undefined ? {} : { responseType }),
      ...(res.body === undefined ? {} : { responseBody: textDecoder.decode(res.body) }),
      ...(location === undefined ? {} : { location }),
      ...(reason === undefined ? {} : { reason }),
    });
    return res;
  }

  private record(e: Omit<Exchange, 'seq' | 'time'>): void {
    this.exchanges.push({ seq: ++this.seq, time: this.now(), ...e });
    if (this.exchanges.length > this.maxExchanges)
      this.exchanges.splice(0, this.exchanges.length - this.maxExchanges);
  }

  private canAccess(owner: string | undefined, lfdi: string | undefined): boolean {
    return owner === undefined || (lfdi !== undefined && (owner === lfdi || this.aggregators.has(lfdi)));
  }

  private authorize(href: string, lfdi: string | undefined): void {
    if (!this.canAccess(this.store.ownerOf(href), lfdi))
      throw new HttpRefusal(HttpStatus.Forbidden, `${href} belongs to another client`);
  }

  private allowed(node: StoredNode): string[] {
    const m = ['GET', 'HEAD'];
    if (node.kind === 'slot') return ['GET', 'HEAD', 'PUT'];
    if (node.kind === 'list') {
      if (node.postTypes !== undefined) m.push('POST');
      return m;
    }
    if (node.puttable || PUT_TYPES.has(node.type)) m.push('PUT');
    if (node.postTypes !== undefined) m.push('POST');
    if (node.deletable) m.push('DELETE');
    return m;
  }

  private readBody(req: SepHttpRequest): SepDocument {
    const headers = req.headers ?? {};
    if (!isSepXmlContentType(headers['content-type']))
      throw new HttpRefusal(HttpStatus.UnsupportedMediaType, 'the body must be application/sep+xml');
    const body = req.body ?? new Uint8Array(0);
    if (body.length > (this.config.maxBodyBytes ?? 65536))
      throw new HttpRefusal(HttpStatus.ContentTooLarge, 'request body too large');
    try {
      const d = decodeXml(body);
      const fatal = d.deviations.find((x) => !TOLERATED.has(x.code));
      if (fatal !== undefined)
        throw new HttpRefusal(HttpStatus.BadRequest, `${fatal.name} at ${fatal.path}: ${fatal.message}`);
      return { type: d.type, resource: d.resource as Record<string, unknown> };
    } catch (e) {
      if (e instanceof HttpRefusal) throw e;
      throw new HttpRefusal(HttpStatus.BadRequest, isMeterkitError(e) ? e.message : 'unreadable body');
    }
  }

  private put(node: StoredNode, doc: SepDocument, lfdi: string | undefined): SepHttpResponse {
    const expected = node.type;
    if (doc.type !== expected)
      throw new HttpRefusal(HttpStatus.BadRequest, `${node.href} takes ${expected}, not ${doc.type}`);
    if (doc.type === 'Subscription') this.checkSubscription(doc);
    this.store.putResource(
      node.href,
      doc,
      node.kind === 'resource' ? { puttable: node.puttable, deletable: node.deletable } : {},
    );
    if (this.store.ownerOf(node.href) === undefined && lfdi !== undefined)
      this.store.setOwner(node.href, lfdi);
    this.received.push({ href: node.href, lfdi, receivedAt: this.now(), method: 'PUT', document: doc });
    this.changed(node.href, doc);
    return { status: HttpStatus.NoContent, headers: {} };
  }

  private post(node: StoredNode, doc: SepDocument, lfdi: string | undefined): SepHttpResponse {
    const types = node.kind === 'slot' ? undefined : node.postTypes;
    if (types === undefined || !types.includes(doc.type))
      throw new HttpRefusal(HttpStatus.BadRequest, `${node.href} does not take ${doc.type}`);
    let location: string;
    switch (doc.type) {
      case 'EndDevice':
        location = this.postEndDevice(doc, lfdi);
        break;
      case 'MirrorUsagePoint':
        location = this.postMirrorUsagePoint(node as StoredList, doc, lfdi);
        break;
      case 'MirrorMeterReading':
      case 'MirrorMeterReadingList':
        location = this.postMirrorMeterReadings(node.href, doc);
        break;
      case 'Response':
      case 'DERControlResponse':
        location = this.postResponse(node as StoredList, doc, lfdi);
        break;
      case 'Subscription':
        this.checkSubscription(doc);
        location = this.append(node as StoredList, doc, lfdi, { deletable: true, puttable: true });
        break;
      default:
        location = this.append(node as StoredList, doc, lfdi);
    }
    this.received.push({ href: location, lfdi, receivedAt: this.now(), method: 'POST', document: doc });
    return { status: HttpStatus.Created, headers: { location } };
  }

  private append(
    list: StoredList,
    doc: SepDocument,
    lfdi: string | undefined,
    options: { deletable?: boolean; puttable?: boolean } = {},
  ): string {
    const href = this.store.nextChild(list.href);
    this.store.putResource(href, doc, options);
    if (lfdi !== undefined && this.store.ownerOf(href) === undefined) this.store.setOwner(href, lfdi);
    list.items.push(href);
    this.changed(list.href, doc);
    return href;
  }

  private postEndDevice(doc: SepDocument, lfdi: string | undefined): string {
    if (this.config.inBandRegistration === false)
      throw new HttpRefusal(HttpStatus.Forbidden, 'in-band registration is disabled');
    const r = doc.resource;
    const bodyLfdi = typeof r['lFDI'] === 'string' ? r['lFDI'].toLowerCase() : undefined;
    const bodySfdi = r['sFDI'];
    const aggregator = lfdi !== undefined && this.aggregators.has(lfdi);
    let target: string | undefined;
    if (bodyLfdi !== undefined) target = bodyLfdi;
    else if (lfdi !== undefined && !aggregator) target = lfdi;
    if (target === undefined) throw new HttpRefusal(HttpStatus.BadRequest, 'EndDevice without lFDI');
    if (!aggregator && target !== lfdi)
      throw new HttpRefusal(HttpStatus.Forbidden, 'EndDevice lFDI does not match the client certificate');
    if (bodySfdi !== undefined && BigInt(Number(bodySfdi)) !== sfdiFromLfdi(target))
      throw new HttpRefusal(HttpStatus.BadRequest, 'sFDI does not match lFDI');
    const existing = this.edevByLfdi.get(target);
    if (existing !== undefined) return existing;
    const pending = this.pendingInBand.get(target);
    this.pendingInBand.delete(target);
    const dc = r['deviceCategory'];
    return this.registerEndDevice({
      ...(pending ?? {}),
      lfdi: target,
      ...(typeof dc === 'string' ? { deviceCategory: dc } : {}),
    });
  }

  private postMirrorUsagePoint(list: StoredList, doc: SepDocument, lfdi: string | undefined): string {
    const r = doc.resource;
    for (const h of list.items) {
      const n = this.store.get(h);
      if (
        n?.kind === 'resource' &&
        n.resource['mRID'] === r['mRID'] &&
        this.canAccess(this.store.ownerOf(h), lfdi)
      ) {
        n.resource = { ...n.resource, ...r, href: h };
        this.changed(h, doc);
        return h;
      }
    }
    const href = this.store.nextChild(list.href);
    this.store.putResource(href, doc, {
      deletable: true,
      postTypes: ['MirrorMeterReading', 'MirrorMeterReadingList'],
    });
    if (lfdi !== undefined) this.store.setOwner(href, lfdi);
    list.items.push(href);
    this.changed(list.href, doc);
    return href;
  }

  private postMirrorMeterReadings(mupHref: string, doc: SepDocument): string {
    const mup = this.store.get(mupHref);
    if (mup?.kind !== 'resource')
      throw new HttpRefusal(HttpStatus.NotFound, `no MirrorUsagePoint at ${mupHref}`);
    const readings =
      doc.type === 'MirrorMeterReading'
        ? [doc.resource]
        : ((doc.resource['MirrorMeterReading'] as Record<string, unknown>[] | undefined) ?? []);
    const current = (mup.resource['MirrorMeterReading'] as Record<string, unknown>[] | undefined) ?? [];
    // A posted MirrorMeterReading updates the one with its mRID (keeping its ReadingType) or is added.
    const merged = current.map((m) => {
      const update = readings.find((x) => x['mRID'] === m['mRID']);
      return update === undefined ? m : { ...m, ...update };
    });
    for (const x of readings) if (!current.some((m) => m['mRID'] === x['mRID'])) merged.push(x);
    mup.resource = { ...mup.resource, MirrorMeterReading: merged };
    this.changed(mupHref, { type: 'MirrorMeterReadingList', resource: { MirrorMeterReading: readings } });
    return mupHref;
  }

  private postResponse(list: StoredList, doc: SepDocument, lfdi: string | undefined): string {
    const r = doc.resource;
    const who = typeof r['endDeviceLFDI'] === 'string' ? r['endDeviceLFDI'].toLowerCase() : '';
    const aggregator = lfdi !== undefined && this.aggregators.has(lfdi);
    if (lfdi !== undefined && !aggregator && who !== lfdi)
      throw new HttpRefusal(HttpStatus.BadRequest, 'endDeviceLFDI is not the client LFDI');
    const href = this.append(list, doc, lfdi);
    this.responses.push({
      href,
      lfdi,
      receivedAt: this.now(),
      type: doc.type,
      subject: String(r['subject']),
      status: typeof r['status'] === 'number' ? r['status'] : undefined,
      createdDateTime: typeof r['createdDateTime'] === 'bigint' ? r['createdDateTime'] : undefined,
      endDeviceLFDI: who,
    });
    return href;
  }

  private checkSubscription(doc: SepDocument): void {
    const r = doc.resource;
    const uri = String(r['notificationURI']);
    if (!/^https?:\/\/[^/]/i.test(uri))
      throw new HttpRefusal(HttpStatus.BadRequest, 'notificationURI must be an absolute http(s) URI');
    const target = normalizePath(String(r['subscribedResource'])).path;
    const node = this.store.get(target);
    if (node === undefined || node.kind === 'slot')
      throw new HttpRefusal(HttpStatus.BadRequest, `cannot subscribe to ${target}`);
    if (r['Condition'] === undefined) return;
    try {
      parseCondition(r['Condition']);
    } catch (e) {
      throw new HttpRefusal(HttpStatus.BadRequest, (e as Error).message);
    }
    // SubscribableType: 2 = conditional subscriptions only, 3 = both (sep.xsd `SubscribableResource`).
    // MirrorUsagePoints and their list carry no `subscribable`: this server offers conditions on them
    // (each MirrorMeterReading's Readings are evaluated, `condition.ts`).
    const subscribable = node.kind === 'list' ? node.subscribable : node.resource['subscribable'];
    const mirror = node.type === 'MirrorUsagePoint' || node.type === 'MirrorUsagePointList';
    if (!mirror && subscribable !== 2 && subscribable !== 3)
      throw new HttpRefusal(HttpStatus.BadRequest, `${target} does not support conditional subscriptions`);
  }

  private remove(href: string): boolean {
    const node = this.store.get(href);
    if (node === undefined) return false;
    const lists = this.store.listsContaining(href);
    for (const sub of this.subscriptions.values()) {
      if (sub.subscribedResource === href || sub.subscribedResource.startsWith(`${href}/`)) {
        this.queue(sub, notificationFor(sub, undefined, NotificationStatus.ResourceDeleted));
      }
    }
    this.store.delete(href);
    for (const [lfdi, h] of this.edevByLfdi) if (h === href) this.edevByLfdi.delete(lfdi);
    this.syncSubscriptions();
    for (const l of lists) this.changed(l.href);
    return true;
  }

  // ---------------------------------------------------------------- representations

  private timeResource(): SepDocument {
    const t = this.config.time ?? {};
    const now = this.now();
    const dstStart = t.dstStartTime ?? 0;
    const dstEnd = t.dstEndTime ?? 0;
    const tz = t.tzOffset ?? 0;
    const inDst = now >= dstStart && now < dstEnd;
    return {
      type: 'Time',
      resource: {
        href: '/tm',
        currentTime: BigInt(now),
        dstEndTime: BigInt(dstEnd),
        dstOffset: t.dstOffset ?? 0,
        dstStartTime: BigInt(dstStart),
        localTime: BigInt(now + tz + (inDst ? (t.dstOffset ?? 0) : 0)),
        quality: t.quality ?? 4,
        tzOffset: tz,
        pollRate: this.pollRate,
      },
    };
  }

  private visibleItems(list: StoredList, lfdi: string | undefined): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const activeOnly = list.href.endsWith('/actderc');
    const source = activeOnly
      ? ((this.store.get(list.href.replace(/actderc$/, 'derc')) as StoredList | undefined)?.items ?? [])
      : list.items;
    const now = this.now();
    for (const h of source) {
      const n = this.store.get(h);
      if (n?.kind !== 'resource' || !this.canAccess(this.store.ownerOf(h), lfdi)) continue;
      if (activeOnly && !isActive(n.resource, now)) continue;
      out.push(this.withListLinks(n.type, n.resource, lfdi));
    }
    return out;
  }

  private represent(node: StoredNode, query: ListQuery, lfdi: string | undefined): SepDocument {
    if (node.kind === 'list') {
      const items = this.visibleItems(node, lfdi);
      const page = pageList(items, query, timeOf);
      const resource: Record<string, unknown> = {
        href: node.href,
        all: page.all,
        results: page.results,
        ...(page.items.length === 0 ? {} : { [node.itemField]: page.items }),
      };
      if (node.subscribable !== undefined && hasField(node.type, 'subscribable'))
        resource['subscribable'] = node.subscribable;
      if (node.pollRate !== undefined && hasField(node.type, 'pollRate'))
        resource['pollRate'] = node.pollRate;
      return { type: node.type, resource };
    }
    if (node.kind === 'slot')
      throw new HttpRefusal(HttpStatus.NotFound, `${node.href} has not been written yet`);
    return { type: node.type, resource: this.withListLinks(node.type, node.resource, lfdi) };
  }

  /** Fills `all` of every ListLink with the number of entries this client sees. */
  private withListLinks(
    type: string,
    resource: Record<string, unknown>,
    lfdi: string | undefined,
  ): Record<string, unknown> {
    const meta = complexType(type);
    if (meta === undefined) return resource;
    let out: Record<string, unknown> | undefined;
    for (const f of meta.fields) {
      if (f.kind !== 'element' || !f.type.endsWith('ListLink')) continue;
      const link = resource[f.name] as { href?: string } | undefined;
      if (link?.href === undefined) continue;
      const target = this.store.get(link.href);
      if (target?.kind !== 'list') continue;
      out ??= { ...resource };
      out[f.name] = { href: link.href, all: this.visibleItems(target, lfdi).length };
    }
    return out ?? resource;
  }

  // ---------------------------------------------------------------- subscriptions

  private syncSubscriptions(): void {
    this.subscriptions.clear();
    for (const h of this.store.hrefs()) {
      const n = this.store.get(h);
      if (n?.kind !== 'resource' || n.type !== 'Subscription') continue;
      const r = n.resource;
      const record: SubscriptionRecord = {
        href: h,
        lfdi: this.store.ownerOf(h),
        subscribedResource: normalizePath(String(r['subscribedResource'])).path,
        notificationURI: String(r['notificationURI']),
        limit: typeof r['limit'] === 'number' ? r['limit'] : 1,
        ...conditionOf(r),
      };
      this.subscriptions.set(h, record);
    }
  }

  /**
   * Called after `href` changed: queues Notifications for its subscribers and its lists' subscribers.
   * `delta` is what the change brought (a posted or updated resource, the posted MirrorMeterReadings); a
   * conditional subscription is notified only when a Reading value in it meets the Condition (`condition.ts`).
   */
  private changed(href: string, delta?: SepDocument): void {
    if (href.endsWith('/sub') || /\/sub\/\d+$/.test(href)) this.syncSubscriptions();
    if (this.subscriptions.size === 0) return;
    const targets = new Set<string>([href]);
    for (const l of this.store.listsContaining(href)) targets.add(l.href);
    if (/\/derc(\/\d+)?$/.test(href)) targets.add(href.replace(/\/derc(\/\d+)?$/, '/actderc'));
    for (const sub of this.subscriptions.values()) {
      if (!targets.has(sub.subscribedResource)) continue;
      const node = this.store.get(sub.subscribedResource);
      if (
        node === undefined ||
        node.kind === 'slot' ||
        !this.canAccess(this.store.ownerOf(node.href), sub.lfdi)
      )
        continue;
      if (
        sub.condition !== undefined &&
        (delta === undefined ||
          !this.canAccess(this.store.ownerOf(href), sub.lfdi) ||
          !conditionMet(sub.condition, readingValuesOf(delta)))
      )
        continue;
      let rep: SepDocument | undefined;
      if (node.kind === 'list') rep = this.represent(node, { start: 0, limit: sub.limit }, sub.lfdi);
      else if (sub.limit > 0) rep = this.represent(node, { start: 0, limit: 1 }, sub.lfdi);
      this.queue(sub, notificationFor(sub, rep));
    }
  }

  private queue(sub: SubscriptionRecord, doc: SepDocument): void {
    this.outbox.push({ subscription: sub, document: doc, body: encodeXml(asAnyResource(doc)) });
  }

  private sortControls(list: StoredList): void {
    // Event lists: interval.start ascending, then creationTime descending, then mRID descending
    // (our reading of the 2030.5 list ordering for events; not checked against the standard's text).
    const key = (h: string): [bigint, bigint, string] => {
      const n = this.store.get(h);
      const r = n?.kind === 'resource' ? n.resource : {};
      const start = (r['interval'] as { start?: bigint } | undefined)?.start ?? 0n;
      const created = typeof r['creationTime'] === 'bigint' ? r['creationTime'] : 0n;
      return [start, created, String(r['mRID'] ?? '')];
    };
    list.items.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka[0] !== kb[0]) return ka[0] > kb[0] ? 1 : -1;
      if (ka[1] !== kb[1]) return ka[1] > kb[1] ? -1 : 1;
      return ka[2] < kb[2] ? 1 : ka[2] > kb[2] ? -1 : 0;
    });
  }

  private newMrid(): string {
    this.mridCounter++;
    return `f0${this.mridCounter.toString(16).padStart(30, '0')}`;
  }
}

/**
 * The parsed Condition of a stored Subscription (sep.xsd `Condition`), as a spread. One that no longer
 * parses (e.g. from a hand-written configuration) becomes a condition no reading can meet, so that a
 * bad subscription stays silent instead of breaking every change.
 */
function conditionOf(r: Record<string, unknown>): { condition?: SubscriptionCondition } {
  if (r['Condition'] === undefined) return {};
  try {
    return { condition: parseCondition(r['Condition']) };
  } catch {
    return { condition: { attributeIdentifier: 0, lowerThreshold: -(2 ** 47), upperThreshold: 2 ** 47 - 1 } };
  }
}

/** Encodes once to check a resource fits sep.xsd (throws MeterkitError otherwise); returns it. */
function checked(doc: SepDocument): SepDocument {
  encodeXml(asAnyResource(doc));
  return doc;
}

function isActive(r: Record<string, unknown>, now: number): boolean {
  const interval = r['interval'] as { start?: bigint; duration?: number } | undefined;
  const status = (r['EventStatus'] as { currentStatus?: number } | undefined)?.currentStatus ?? 0;
  if (interval?.start === undefined || status >= 2) return false;
  const start = Number(interval.start);
  return now >= start && now < start + (interval.duration ?? 0);
}

function normalizeLfdi(lfdi: string): string {
  return lfdi.replace(/[\s:-]/g, '').toLowerCase();
}
