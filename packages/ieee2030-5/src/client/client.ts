/**
 * IEEE 2030.5 DER client (a CSIP / CSIP-AUS DER or EMS client): discovery from DeviceCapability
 * (walking every link), time synchronisation from Time (§8.x), EndDevice registration and PIN
 * check (§6.3), FunctionSetAssignments → DERProgram → DERControl / DefaultDERControl (§10.10),
 * polling at each resource's pollRate, subscriptions and Notifications (§9), Response posting,
 * DERCapability / DERSettings / DERStatus / DERAvailability, MirrorUsagePoint telemetry and
 * LogEvents. Events are run by a `DerScheduler`, whose Responses the client POSTs.
 *
 * Time is injected (`clock`, local seconds); nothing runs by itself: call `tick()` when
 * `nextWakeup()` says, and `handleNotification` for what the listener receives. HTTP goes through a
 * `SepClientTransport` (`createSepHttpTransport` for mutual CCM-8 TLS).
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { asAnyResource, type SepDocument } from '../http/document.js';
import { HttpStatus } from '../http/status.js';
import { isValidPin, sfdiFromLfdi } from '../ids.js';
import type { Condition } from '../model/generated/types.js';
import { complexType } from '../model/lookup.js';
import { toResponseResource } from '../scheduler/response.js';
import { DerScheduler, type DerSchedulerOptions } from '../scheduler/scheduler.js';
import type { EventResponse, SchedulerDERProgram, SchedulerTick } from '../scheduler/types.js';
import { decodeXml, encodeXml } from '../xml/codec.js';
import type { DerPowerModel, PowerReadings } from './der-sim.js';
import { type DerCondition, derSettingsFor, derStatusFor } from './der-state.js';
import { activePowerMirrorUsagePoint, activePowerReading } from './telemetry.js';
import type { SepClientResponse, SepClientTransport } from './transport.js';

type Fields = Record<string, unknown>;

/** Options of `SepClient`. */
export interface SepClientOptions {
  readonly transport: SepClientTransport;
  /** This device's LFDI (from its certificate: `lfdiFromCertificate`). */
  readonly lfdi: string;
  /** Local clock, TimeType seconds (default: system time). Server time = local + offset from `/tm`. */
  readonly clock?: () => number;
  /** DeviceCapability path (default `/dcap`). */
  readonly dcapPath?: string;
  /** The registration PIN the installer was given; checked against Registration.pIN. */
  readonly pin?: number;
  /** POST our EndDevice when the server does not list it (in-band registration; default true). */
  readonly inBandRegistration?: boolean;
  /** deviceCategory (HexBinary32 hex text) sent when registering and given to the scheduler. */
  readonly deviceCategory?: string;
  /** Page size used when walking lists (`l`, default 16). */
  readonly pageSize?: number;
  /** Scheduler options (randomSource, responseRequired default). */
  readonly scheduler?: Omit<DerSchedulerOptions, 'endDeviceLFDI'>;
  /** Most resources a discovery walk fetches (default 500). */
  readonly maxDiscovery?: number;
  /**
   * The DER's own DERSettings (nameplate-derived, with `setMaxW`); `reportDERState` PUTs them with the
   * DefaultDERControl settings in effect (setGradW, setES*...) merged in (CSIP-AUS ALL-13/17).
   */
  readonly derSettings?: Fields;
}

/** Options of `SepClient.subscribe` (sep.xsd `Subscription`). */
export interface SubscribeOptions {
  /** Most list entries per Notification (default 16; 0 = change notifications without a representation). */
  readonly limit?: number;
  /** Notify only for changes bringing a Reading value outside these thresholds (sep.xsd `Condition`). */
  readonly condition?: Condition;
}

/** What `reportDERState` PUT: sep.xsd `DERStatus` / `DERSettings` (an entry is absent when nothing changed since the last report). */
export interface DerStateReport {
  readonly status?: Fields;
  readonly settings?: Fields;
}

/** What `discover` found: every resource reachable from DeviceCapability, by href. */
export interface Discovery {
  readonly dcap: SepDocument;
  readonly resources: ReadonlyMap<string, SepDocument>;
  /** Links that could not be fetched, with the HTTP status (404 for PUT targets not yet written). */
  readonly failures: ReadonlyMap<string, number>;
}

/** Result of `register`. */
export interface RegistrationResult {
  readonly endDeviceHref: string;
  readonly endDevice: Fields;
  /** Whether the client POSTed its EndDevice (in-band) rather than finding it (out-of-band). */
  readonly inBand: boolean;
  readonly registration?: Fields;
}

/** One `tick`'s outcome: the scheduler's tick and the Responses POSTed (with their HTTP status). */
export interface ClientTick {
  readonly schedule: SchedulerTick;
  readonly posted: readonly { readonly response: EventResponse; readonly status: number }[];
  /** Whether the DER programs were polled during this tick. */
  readonly polled: boolean;
  /** The power readings POSTed during this tick (`startPowerTelemetry`), if they were due. */
  readonly telemetry?: TelemetryPost;
}

/** Options of `SepClient.startPowerTelemetry` (IEEE 2030.5-2018 Metering Mirror; CSIP-AUS site and DER telemetry). */
export interface PowerTelemetryOptions {
  /** mRIDs (HexBinary128 hex text) of the site MirrorUsagePoint and its MirrorMeterReading (default: from the LFDI). */
  readonly siteMRID?: string;
  readonly siteReadingMRID?: string;
  /** mRIDs of the DER MirrorUsagePoint and its MirrorMeterReading (default: from the LFDI). */
  readonly derMRID?: string;
  readonly derReadingMRID?: string;
}

/** One telemetry post (IEEE 2030.5-2018 Metering Mirror, sep.xsd `MirrorMeterReading`): the averaged readings and the HTTP status of each POST (0 = network failure). */
export interface TelemetryPost {
  readonly at: number;
  readonly readings: PowerReadings;
  readonly siteStatus: number;
  readonly derStatus: number;
}

interface TelemetryState {
  readonly der: DerPowerModel;
  readonly siteHref: string;
  readonly derHref: string;
  readonly siteReadingMRID: string;
  readonly derReadingMRID: string;
  next: number;
}

const DEFAULT_POLL = 900;

/** What a watched resource is, so that a fresh read updates the right state. */
type WatchKind = 'dcap' | 'edev' | 'der' | 'mup';

function pollRateOf(r: Fields): number {
  const p = r['pollRate'];
  return typeof p === 'number' && p > 0 ? p : DEFAULT_POLL;
}

function fields(doc: SepDocument): Fields {
  return doc.resource as Fields;
}

function linkHref(r: Fields | undefined, name: string): string | undefined {
  const l = r?.[name] as { href?: unknown } | undefined;
  return typeof l?.href === 'string' ? l.href : undefined;
}

function pathOf(href: string): string {
  const q = href.indexOf('?');
  return q < 0 ? href : href.slice(0, q);
}

/** The IEEE 2030.5 DER client. */
export class SepClient {
  readonly lfdi: string;
  readonly sfdi: bigint;
  readonly scheduler: DerScheduler;
  private readonly t: SepClientTransport;
  private readonly options: SepClientOptions;
  private readonly clock: () => number;
  private offset = 0;
  private dcap: Fields | undefined;
  private edevHref: string | undefined;
  private edev: Fields | undefined;
  private derResource: string | undefined;
  private der: Fields | undefined;
  private programPollRate = DEFAULT_POLL;
  private nextPoll: number | undefined;
  /** Resources re-read at their own pollRate besides the DER programs (IEEE 2030.5-2018 §5.5.4 pollRate). */
  private readonly watched = new Map<string, { kind: WatchKind; next: number; rate: number }>();
  private lastTick: SchedulerTick | undefined;
  private unsent: EventResponse[] = [];
  private reportedStatus: string | undefined;
  private reportedSettings: string | undefined;
  private telemetry: TelemetryState | undefined;
  /** Programs as last polled, in FunctionSetAssignments order. */
  programs: SchedulerDERProgram[] = [];
  /** Every resource href the program poll read (FSA lists, program lists, programs, control lists). */
  readonly programResources = new Set<string>();

  constructor(options: SepClientOptions) {
    this.options = options;
    this.t = options.transport;
    this.lfdi = options.lfdi.replace(/[\s:-]/g, '').toLowerCase();
    this.sfdi = sfdiFromLfdi(this.lfdi);
    this.clock = options.clock ?? (() => Date.now() / 1000);
    this.scheduler = new DerScheduler({
      responseRequired: '00',
      ...options.scheduler,
      endDeviceLFDI: this.lfdi,
      ...(options.deviceCategory === undefined ? {} : { deviceCategory: options.deviceCategory }),
    });
  }

  /** Server time now (TimeType seconds): local clock + the offset learnt from `/tm`. */
  now(): number {
    return Math.floor(this.clock() + this.offset);
  }

  /** The offset added to the local clock to get server time (seconds). */
  get timeOffset(): number {
    return this.offset;
  }

  /** The EndDevice href, after `register`. */
  get endDeviceHref(): string | undefined {
    return this.edevHref;
  }

  /** The href of the (first) DER of the EndDevice's DERList, after `register`. */
  get derHref(): string | undefined {
    return this.derResource;
  }

  /** EndDevice.postRate: how often to post telemetry, seconds (CSIP-AUS ALL-10; default 900). */
  get postRate(): number {
    const p = this.edev?.['postRate'];
    return typeof p === 'number' ? p : DEFAULT_POLL;
  }

  /** The pollRate the DER programs are polled at (the smallest pollRate met on the way). */
  get pollRate(): number {
    return this.programPollRate;
  }

  // ---------------------------------------------------------------- HTTP helpers

  private async send(method: string, path: string, doc?: SepDocument): Promise<SepClientResponse> {
    return this.t.request(method, path, doc === undefined ? undefined : encodeXml(asAnyResource(doc)));
  }

  /** GETs a resource and decodes it; throws `MeterkitError` UnexpectedResponse for a non-200 status. */
  async get(path: string): Promise<SepDocument> {
    const res = await this.send('GET', path);
    if (res.status !== HttpStatus.Ok) {
      throw new MeterkitError(ErrorCode.UnexpectedResponse, `GET ${path}: HTTP ${res.status}`, { path });
    }
    const d = decodeXml(res.body);
    return { type: d.type, resource: d.resource as Fields };
  }

  private async tryGet(path: string): Promise<SepDocument | number> {
    const res = await this.send('GET', path);
    if (res.status !== HttpStatus.Ok) return res.status;
    const d = decodeXml(res.body);
    return { type: d.type, resource: d.resource as Fields };
  }

  /**
   * GETs a whole list (IEEE 2030.5-2018 §5.5.3) page by page (`s`, `l`) until `all` entries are
   * read. Returns the first page's resource with every entry merged under the entry element.
   */
  async getList(path: string): Promise<SepDocument> {
    const base = pathOf(path);
    const size = this.options.pageSize ?? 16;
    const first = await this.get(`${base}?s=0&l=${size}`);
    const meta = complexType(first.type);
    const itemField = meta?.fields.find(
      (f) => f.kind === 'element' && f.maxOccurs > 1 && f.value === 'complex',
    )?.name;
    if (itemField === undefined) return first;
    const r = fields(first);
    const items = [...((r[itemField] as Fields[] | undefined) ?? [])];
    const all = typeof r['all'] === 'number' ? r['all'] : items.length;
    while (items.length < all) {
      const next = fields(await this.get(`${base}?s=${items.length}&l=${size}`));
      const more = (next[itemField] as Fields[] | undefined) ?? [];
      if (more.length === 0) break;
      items.push(...more);
    }
    return { type: first.type, resource: { ...r, results: items.length, [itemField]: items } };
  }

  private async post(path: string, doc: SepDocument): Promise<string> {
    const res = await this.send('POST', path, doc);
    if (
      res.status !== HttpStatus.Created &&
      res.status !== HttpStatus.NoContent &&
      res.status !== HttpStatus.Ok
    ) {
      throw new MeterkitError(ErrorCode.UnexpectedResponse, `POST ${path}: HTTP ${res.status}`, { path });
    }
    return res.headers['location'] ?? path;
  }

  private async put(path: string, doc: SepDocument): Promise<void> {
    const res = await this.send('PUT', path, doc);
    if (res.status < 200 || res.status > 299) {
      throw new MeterkitError(ErrorCode.UnexpectedResponse, `PUT ${path}: HTTP ${res.status}`, { path });
    }
  }

  // ---------------------------------------------------------------- discovery, time, registration

  /**
   * Reads DeviceCapability and walks every link it leads to (lists page by page, their entries'
   * links too), as a client's discovery does (CSIP COMM-002, CSIP-AUS ALL-01/02). Links that
   * answer an error are listed in `failures`; the walk goes on.
   */
  async discover(): Promise<Discovery> {
    const dcapPath = this.options.dcapPath ?? '/dcap';
    const dcap = await this.get(dcapPath);
    this.dcap = fields(dcap);
    const resources = new Map<string, SepDocument>([[dcapPath, dcap]]);
    const failures = new Map<string, number>();
    const queue: string[] = [];
    const max = this.options.maxDiscovery ?? 500;
    const enqueueLinks = (type: string, r: Fields): void => {
      const meta = complexType(type);
      if (meta === undefined) return;
      for (const f of meta.fields) {
        if (f.kind !== 'element' || f.value !== 'complex') continue;
        const v = r[f.name];
        if (f.type.endsWith('Link') || f.type === 'Link') {
          const href = (v as { href?: unknown } | undefined)?.href;
          if (typeof href === 'string' && !resources.has(pathOf(href)) && !failures.has(pathOf(href)))
            queue.push(pathOf(href));
        } else if (f.maxOccurs > 1 && Array.isArray(v)) {
          for (const item of v as Fields[]) {
            const h = item['href'];
            if (typeof h === 'string' && !resources.has(h))
              resources.set(h, { type: f.type, resource: item });
            enqueueLinks(f.type, item);
          }
        }
      }
    };
    enqueueLinks(dcap.type, this.dcap);
    while (queue.length > 0 && resources.size < max) {
      const href = queue.shift() as string;
      if (resources.has(href) || failures.has(href)) continue;
      const probe = await this.tryGet(href);
      if (typeof probe === 'number') {
        failures.set(href, probe);
        continue;
      }
      const doc =
        complexType(probe.type)?.fields.some((f) => f.name === 'all') === true
          ? await this.getList(href)
          : probe;
      resources.set(href, doc);
      enqueueLinks(doc.type, fields(doc));
    }
    return { dcap, resources, failures };
  }

  /**
   * Synchronises with the server's Time resource (CSIP CORE-005): afterwards `now()` is server
   * time. Returns the Time resource.
   */
  async syncTime(): Promise<Fields> {
    if (this.dcap === undefined) this.dcap = fields(await this.get(this.options.dcapPath ?? '/dcap'));
    const href = linkHref(this.dcap, 'TimeLink') ?? '/tm';
    const before = this.clock();
    const tm = fields(await this.get(href));
    const after = this.clock();
    this.offset = Number(tm['currentTime'] as bigint) - (before + after) / 2;
    return tm;
  }

  /**
   * Finds this device's EndDevice in the EndDeviceList (out-of-band registration), or POSTs one
   * (in-band, unless disabled), then reads its Registration and checks the PIN (IEEE 2030.5-2018
   * §6.3.4; CSIP-AUS ALL-01..05). Throws `MeterkitError` Rejected when the device is not
   * registered, there is no Registration to check a configured PIN against, or the PIN differs.
   */
  async register(): Promise<RegistrationResult> {
    if (this.dcap === undefined) this.dcap = fields(await this.get(this.options.dcapPath ?? '/dcap'));
    const listHref = linkHref(this.dcap, 'EndDeviceListLink');
    if (listHref === undefined)
      throw new MeterkitError(ErrorCode.Rejected, 'DeviceCapability has no EndDeviceListLink');
    const found = await this.findEndDevice(listHref);
    let href = found.href;
    let inBand = false;
    if (href === undefined) {
      if (this.options.inBandRegistration === false)
        throw new MeterkitError(ErrorCode.Rejected, 'this device is not registered');
      href = await this.post(listHref, {
        type: 'EndDevice',
        resource: {
          ...(this.options.deviceCategory === undefined
            ? {}
            : { deviceCategory: this.options.deviceCategory }),
          lFDI: this.lfdi,
          sFDI: Number(this.sfdi),
          changedTime: BigInt(this.now()),
        },
      });
      inBand = true;
    }
    const edev = fields(await this.get(href));
    // The EndDevice is adopted only once the PIN checks pass (CSIP-AUS ALL-03-REJ, ALL-04).
    this.edevHref = undefined;
    this.edev = undefined;
    const regHref = linkHref(edev, 'RegistrationLink');
    let registration: Fields | undefined;
    if (regHref !== undefined) registration = fields(await this.get(regHref));
    const pin = registration?.['pIN'];
    if (pin !== undefined && (typeof pin !== 'number' || !isValidPin(pin)))
      throw new MeterkitError(ErrorCode.Rejected, 'Registration PIN has a wrong check digit');
    if (this.options.pin !== undefined) {
      if (!isValidPin(this.options.pin))
        throw new MeterkitError(ErrorCode.Rejected, 'the configured PIN has a wrong check digit');
      if (registration === undefined)
        throw new MeterkitError(ErrorCode.Rejected, 'EndDevice has no Registration to check the PIN against');
      if (registration['pIN'] !== this.options.pin)
        throw new MeterkitError(ErrorCode.Rejected, 'Registration PIN does not match');
    }
    this.edevHref = href;
    this.edev = edev;
    const derList = linkHref(edev, 'DERListLink');
    this.derResource = undefined;
    this.der = undefined;
    const now = this.now();
    this.watched.clear();
    this.watch(this.options.dcapPath ?? '/dcap', 'dcap', pollRateOf(this.dcap), now);
    this.watch(pathOf(listHref), 'edev', found.pollRate, now);
    if (derList !== undefined) {
      const list = fields(await this.getList(derList));
      this.adoptDer(list);
      this.watch(pathOf(derList), 'der', pollRateOf(list), now);
    }
    return {
      endDeviceHref: href,
      endDevice: edev,
      inBand,
      ...(registration === undefined ? {} : { registration }),
    };
  }

  private async findEndDevice(listHref: string): Promise<{ href: string | undefined; pollRate: number }> {
    const list = fields(await this.getList(listHref));
    const pollRate = pollRateOf(list);
    for (const e of (list['EndDevice'] as Fields[] | undefined) ?? []) {
      const l = typeof e['lFDI'] === 'string' ? e['lFDI'].toLowerCase() : undefined;
      if ((l === this.lfdi || e['sFDI'] === Number(this.sfdi)) && typeof e['href'] === 'string')
        return { href: e['href'], pollRate };
    }
    return { href: undefined, pollRate };
  }

  private adoptDer(list: Fields): void {
    const first = (list['DER'] as Fields[] | undefined)?.[0];
    if (first !== undefined && typeof first['href'] === 'string') {
      this.derResource = first['href'];
      this.der = first;
    }
  }

  private watch(href: string, kind: WatchKind, rate: number, now: number): void {
    this.watched.set(href, { kind, next: now + rate, rate });
  }

  /**
   * Re-reads the watched resources whose pollRate has elapsed (IEEE 2030.5-2018 §5.5.4: clients poll
   * each resource at its pollRate; CSIP-AUS "all polls at the correct time"): DeviceCapability, the
   * EndDeviceList (our EndDevice is taken from it: a new postRate is seen), the DERList and, once the
   * client mirrors readings, the MirrorUsagePointList. A failed read is retried after the same rate.
   */
  private async pollWatched(now: number): Promise<void> {
    for (const [href, w] of this.watched) {
      if (w.next > now) continue;
      try {
        const r = fields(w.kind === 'dcap' ? await this.get(href) : await this.getList(href));
        w.rate = pollRateOf(r);
        if (w.kind === 'dcap') this.dcap = r;
        else if (w.kind === 'der') this.adoptDer(r);
        else if (w.kind === 'edev') {
          const own = ((r['EndDevice'] as Fields[] | undefined) ?? []).find(
            (e) => e['href'] === this.edevHref,
          );
          if (own !== undefined) this.edev = own;
        }
      } catch {
        // Unreachable or refused: the resource is tried again after its pollRate.
      }
      w.next = now + w.rate;
    }
  }

  private requireEndDevice(): Fields {
    if (this.edev === undefined) throw new MeterkitError(ErrorCode.InvalidState, 'call register() first');
    return this.edev;
  }

  /** Re-reads the EndDevice (e.g. after a Notification; picks up a new postRate). */
  async refreshEndDevice(): Promise<Fields> {
    this.requireEndDevice();
    this.edev = fields(await this.get(this.edevHref as string));
    return this.edev;
  }

  // ---------------------------------------------------------------- DER programs

  /**
   * Polls FunctionSetAssignmentsList → each FSA's DERProgramList → each DERProgram's
   * DefaultDERControl and DERControlList (IEEE 2030.5-2018 §10.10; CSIP CORE-010/012), hands
   * them to the scheduler and sets the next poll time from the pollRates met (CSIP-AUS ALL-19/20).
   */
  async pollPrograms(): Promise<SchedulerDERProgram[]> {
    const edev = this.requireEndDevice();
    const fsaListHref = linkHref(edev, 'FunctionSetAssignmentsListLink');
    const programs: SchedulerDERProgram[] = [];
    const seen = new Set<string>();
    this.programResources.clear();
    let pollRate = Number.POSITIVE_INFINITY;
    const notePoll = (r: Fields): void => {
      if (typeof r['pollRate'] === 'number') pollRate = Math.min(pollRate, r['pollRate']);
    };
    if (fsaListHref !== undefined) {
      const fsaList = fields(await this.getList(fsaListHref));
      this.programResources.add(pathOf(fsaListHref));
      notePoll(fsaList);
      for (const fsa of (fsaList['FunctionSetAssignments'] as Fields[] | undefined) ?? []) {
        if (typeof fsa['href'] === 'string') this.programResources.add(fsa['href']);
        const derpHref = linkHref(fsa, 'DERProgramListLink');
        if (derpHref === undefined) continue;
        const derpList = fields(await this.getList(derpHref));
        this.programResources.add(pathOf(derpHref));
        notePoll(derpList);
        for (const p of (derpList['DERProgram'] as Fields[] | undefined) ?? []) {
          const href = typeof p['href'] === 'string' ? p['href'] : undefined;
          if (href === undefined || seen.has(href)) continue;
          seen.add(href);
          programs.push(await this.readProgram(href, p));
        }
      }
    }
    this.programs = programs;
    if (pollRate !== Number.POSITIVE_INFINITY) this.programPollRate = pollRate;
    const now = this.now();
    this.scheduler.update(programs, now);
    this.nextPoll = now + this.programPollRate;
    return programs;
  }

  private async readProgram(href: string, p: Fields): Promise<SchedulerDERProgram> {
    this.programResources.add(href);
    const ddHref = linkHref(p, 'DefaultDERControlLink');
    const dercHref = linkHref(p, 'DERControlListLink');
    let dd: Fields | undefined;
    if (ddHref !== undefined) {
      this.programResources.add(ddHref);
      const r = await this.tryGet(ddHref);
      if (typeof r !== 'number') dd = fields(r);
    }
    let controls: Fields[] = [];
    if (dercHref !== undefined) {
      this.programResources.add(pathOf(dercHref));
      controls = ((fields(await this.getList(dercHref))['DERControl'] as Fields[] | undefined) ?? []).map(
        (c) => c,
      );
    }
    return {
      ...(p as unknown as SchedulerDERProgram),
      ...(dd === undefined
        ? {}
        : { DefaultDERControl: dd as unknown as SchedulerDERProgram['DefaultDERControl'] }),
      DERControlList: {
        DERControl: controls as unknown as NonNullable<SchedulerDERProgram['DERControlList']>['DERControl'],
      },
    } as SchedulerDERProgram;
  }

  /**
   * One step of the client loop at server time `now()`: polls the programs when their pollRate
   * has elapsed (or never polled), ticks the scheduler and POSTs the Responses it produced to
   * their `replyTo` (DERControlResponse, IEEE 2030.5-2018 Table 27). A Response whose POST fails
   * on the network (status 0 in `posted`) or with a 5xx is kept and sent again on the next tick.
   */
  async tick(): Promise<ClientTick> {
    await this.pollWatched(this.now());
    let polled = false;
    if (this.nextPoll === undefined || this.now() >= this.nextPoll) {
      await this.pollPrograms();
      polled = true;
    }
    const schedule = this.scheduler.tick(this.now());
    this.lastTick = schedule;
    this.telemetry?.der.apply(schedule, this.now());
    const posted: { response: EventResponse; status: number }[] = [];
    const due = [...this.unsent, ...schedule.responses];
    this.unsent = [];
    for (const r of due) {
      if (r.replyTo === undefined) continue;
      let status = 0;
      try {
        status = (
          await this.send('POST', r.replyTo, {
            type: 'DERControlResponse',
            resource: toResponseResource(r, this.lfdi) as unknown as Fields,
          })
        ).status;
      } catch {
        status = 0;
      }
      if (status === 0 || status >= 500) this.unsent.push(r);
      posted.push({ response: r, status });
    }
    const telemetry = await this.postTelemetryIfDue(this.now());
    return { schedule, posted, polled, ...(telemetry === undefined ? {} : { telemetry }) };
  }

  /** Responses whose POST failed (network error or 5xx); they are sent again on the next `tick`. */
  get unsentResponses(): readonly EventResponse[] {
    return this.unsent;
  }

  /**
   * When `tick` should run next (server time): the earliest of the scheduler's next wake-up, the next
   * program poll and the next poll of a watched resource (DeviceCapability, EndDeviceList, DERList,
   * MirrorUsagePointList).
   */
  nextWakeup(): number | undefined {
    let next = this.lastTick?.nextWakeup;
    const consider = (t: number | undefined): void => {
      if (t !== undefined && (next === undefined || t < next)) next = t;
    };
    consider(this.nextPoll);
    for (const w of this.watched.values()) consider(w.next);
    consider(this.telemetry?.next);
    return next;
  }

  // ---------------------------------------------------------------- subscriptions

  /**
   * Subscribes to `resource` (IEEE 2030.5-2018 §9; CSIP-AUS ALL-14..17): POSTs a Subscription to the
   * EndDevice's SubscriptionList. The third argument is the most list entries per Notification, or
   * `SubscribeOptions` (limit and a `Condition` with thresholds). Returns the Subscription's href.
   */
  async subscribe(
    resource: string,
    notificationURI: string,
    limitOrOptions: number | SubscribeOptions = 16,
  ): Promise<string> {
    const listHref = linkHref(this.requireEndDevice(), 'SubscriptionListLink');
    if (listHref === undefined)
      throw new MeterkitError(ErrorCode.Unsupported, 'EndDevice has no SubscriptionListLink');
    const o: SubscribeOptions =
      typeof limitOrOptions === 'number' ? { limit: limitOrOptions } : limitOrOptions;
    return this.post(listHref, {
      type: 'Subscription',
      resource: {
        subscribedResource: resource,
        ...(o.condition === undefined ? {} : { Condition: { ...o.condition } }),
        encoding: 0,
        level: '+S1',
        limit: o.limit ?? 16,
        notificationURI,
      },
    });
  }

  /** Deletes a Subscription. */
  async unsubscribe(subscriptionHref: string): Promise<void> {
    const res = await this.send('DELETE', subscriptionHref);
    if (res.status !== HttpStatus.NoContent && res.status !== HttpStatus.Ok) {
      throw new MeterkitError(ErrorCode.UnexpectedResponse, `DELETE ${subscriptionHref}: HTTP ${res.status}`);
    }
  }

  /**
   * Takes in a Notification (IEEE 2030.5-2018 §9): when it concerns the DER programs (an FSA
   * list, program list, program, DefaultDERControl or DERControlList read by the last poll) the
   * programs are polled again at once and the scheduler updated; an EndDevice notification
   * refreshes the EndDevice. Returns whether anything was re-read.
   */
  async handleNotification(notification: Fields): Promise<boolean> {
    const subject = pathOf(String(notification['subscribedResource'] ?? ''));
    if (this.programResources.has(subject)) {
      await this.pollPrograms();
      return true;
    }
    if (subject === this.edevHref) {
      await this.refreshEndDevice();
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- user participation, DER state

  /**
   * The end user opts out of the event `mRID` now (IEEE 2030.5-2018 Table 27): EventOptOut (4) before it
   * starts, EventPartialOptOut (8) while it runs; the Response is POSTed by the next `tick`. Returns
   * whether the event could be opted out of.
   */
  optOut(mRID: string): boolean {
    return this.scheduler.optOut(mRID, this.now());
  }

  /** The end user opts in to the event `mRID` now: EventOptIn (5) or EventPartialOptIn (9); see `DerScheduler.optIn`. */
  optIn(mRID: string): boolean {
    return this.scheduler.optIn(mRID, this.now());
  }

  /**
   * Reports what the DER does under the controls of `tick` (default: the last tick): PUTs DERStatus
   * (`derStatusFor`: connection and operational mode, CSIP-AUS ALL-11/12/15/16) when it changed since
   * the last report, and, when the `derSettings` option is set, DERSettings with the DefaultDERControl
   * settings in effect (`derSettingsFor`, ALL-13/17) when they changed. Throws `MeterkitError`
   * InvalidState before the first `tick`.
   */
  async reportDERState(tick?: SchedulerTick, condition: DerCondition = {}): Promise<DerStateReport> {
    const schedule = tick ?? this.lastTick;
    if (schedule === undefined) throw new MeterkitError(ErrorCode.InvalidState, 'call tick() first');
    const now = this.now();
    const status = derStatusFor(schedule, now, condition);
    const statusKey = `${status.genConnectStatus.value}/${status.operationalModeStatus.value}`;
    let reported: { status?: Fields; settings?: Fields } = {};
    if (statusKey !== this.reportedStatus) {
      await this.putDERStatus(status);
      this.reportedStatus = statusKey;
      reported = { status };
    }
    if (this.options.derSettings !== undefined) {
      const settings = derSettingsFor(schedule, this.options.derSettings, now);
      const { updatedTime: _u, ...comparable } = settings;
      const key = JSON.stringify(comparable, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      if (key !== this.reportedSettings) {
        await this.putDERSettings(settings);
        this.reportedSettings = key;
        reported = { ...reported, settings };
      }
    }
    return reported;
  }

  // ---------------------------------------------------------------- DER information, telemetry, logs

  private derLink(name: string): string {
    const href = linkHref(this.der, name);
    if (href === undefined) throw new MeterkitError(ErrorCode.Unsupported, `the DER has no ${name}`);
    return href;
  }

  /** PUTs DERCapability (nameplate ratings; CSIP-AUS ALL-09). */
  async putDERCapability(resource: Fields): Promise<void> {
    return this.put(this.derLink('DERCapabilityLink'), { type: 'DERCapability', resource });
  }

  /** PUTs DERSettings (CSIP-AUS ALL-09). */
  async putDERSettings(resource: Fields): Promise<void> {
    return this.put(this.derLink('DERSettingsLink'), { type: 'DERSettings', resource });
  }

  /** PUTs DERStatus (connection and operational mode status; CSIP-AUS ALL-07/08). */
  async putDERStatus(resource: Fields): Promise<void> {
    return this.put(this.derLink('DERStatusLink'), { type: 'DERStatus', resource });
  }

  /** PUTs DERAvailability. */
  async putDERAvailability(resource: Fields): Promise<void> {
    return this.put(this.derLink('DERAvailabilityLink'), { type: 'DERAvailability', resource });
  }

  /** PUTs the CSIP-AUS ConnectionPoint (NMI) of the EndDevice (CSIP-AUS ALL-03). */
  async putConnectionPoint(connectionPointId: string): Promise<void> {
    const href = linkHref(this.requireEndDevice(), 'ConnectionPointLink');
    if (href === undefined)
      throw new MeterkitError(ErrorCode.Unsupported, 'EndDevice has no ConnectionPointLink');
    return this.put(href, { type: 'ConnectionPointType', resource: { connectionPointId } });
  }

  /**
   * POSTs a MirrorUsagePoint to the server's MirrorUsagePointList (IEEE 2030.5 Metering Mirror;
   * CSIP-AUS ALL-06). Returns its href from `Location`.
   */
  async postMirrorUsagePoint(resource: Fields): Promise<string> {
    const dcap = this.dcap ?? fields(await this.get(this.options.dcapPath ?? '/dcap'));
    const href = linkHref(dcap, 'MirrorUsagePointListLink');
    if (href === undefined)
      throw new MeterkitError(ErrorCode.Unsupported, 'DeviceCapability has no MirrorUsagePointListLink');
    const location = await this.post(href, {
      type: 'MirrorUsagePoint',
      resource: { deviceLFDI: this.lfdi, ...resource },
    });
    if (this.edev !== undefined && !this.watched.has(pathOf(href)))
      this.watch(pathOf(href), 'mup', pollRateOf(dcap), this.now());
    return location;
  }

  /** POSTs readings to a MirrorUsagePoint: one MirrorMeterReading, or several as a MirrorMeterReadingList. */
  async postMirrorMeterReadings(mupHref: string, readings: readonly Fields[]): Promise<string> {
    if (readings.length === 1)
      return this.post(mupHref, { type: 'MirrorMeterReading', resource: readings[0] as Fields });
    return this.post(mupHref, {
      type: 'MirrorMeterReadingList',
      resource: { all: readings.length, results: readings.length, MirrorMeterReading: readings },
    });
  }

  /**
   * Starts CSIP-AUS power telemetry from `der` (IEEE 2030.5-2018 Metering Mirror; CSIP-AUS ALL-06/10, the
   * GEN/LOA "site and DER active power" criteria): POSTs a site and a DER MirrorUsagePoint for average
   * active power (`activePowerMirrorUsagePoint`), then every `tick` hands the controls in effect to `der`
   * (`DerPowerModel.apply`) and, each time the EndDevice's postRate has elapsed since the last post, POSTs
   * the site and DER averages since then (`activePowerReading`). Returns the two MirrorUsagePoint hrefs.
   * Telemetry that cannot be POSTed is dropped (the next interval starts anyway); `tick` reports the statuses.
   */
  async startPowerTelemetry(
    der: DerPowerModel,
    options: PowerTelemetryOptions = {},
  ): Promise<{ site: string; der: string }> {
    this.requireEndDevice();
    const base = this.lfdi.slice(0, 28);
    const siteMRID = options.siteMRID ?? `${base}5001`;
    const siteReadingMRID = options.siteReadingMRID ?? `${base}5002`;
    const derMRID = options.derMRID ?? `${base}d001`;
    const derReadingMRID = options.derReadingMRID ?? `${base}d002`;
    const intervalLength = this.postRate;
    const siteHref = await this.postMirrorUsagePoint(
      activePowerMirrorUsagePoint({
        role: 'site',
        mRID: siteMRID,
        readingMRID: siteReadingMRID,
        intervalLength,
      }),
    );
    const derHref = await this.postMirrorUsagePoint(
      activePowerMirrorUsagePoint({
        role: 'der',
        mRID: derMRID,
        readingMRID: derReadingMRID,
        intervalLength,
      }),
    );
    const now = this.now();
    if (this.lastTick !== undefined) der.apply(this.lastTick, now);
    der.takeReadings(now); // the first interval starts now
    this.telemetry = { der, siteHref, derHref, siteReadingMRID, derReadingMRID, next: now + intervalLength };
    return { site: siteHref, der: derHref };
  }

  /** Stops the telemetry `startPowerTelemetry` started (the MirrorUsagePoints stay on the server). */
  stopPowerTelemetry(): void {
    this.telemetry = undefined;
  }

  private async postTelemetryIfDue(now: number): Promise<TelemetryPost | undefined> {
    const tm = this.telemetry;
    if (tm === undefined || now < tm.next) return undefined;
    const readings = tm.der.takeReadings(now);
    const post = async (href: string, mRID: string, watts: number): Promise<number> => {
      try {
        const doc = {
          type: 'MirrorMeterReading',
          resource: activePowerReading(mRID, watts, readings.start, readings.duration),
        };
        return (await this.send('POST', href, doc)).status;
      } catch {
        return 0;
      }
    };
    const siteStatus = await post(tm.siteHref, tm.siteReadingMRID, readings.siteW);
    const derStatus = await post(tm.derHref, tm.derReadingMRID, readings.derW);
    tm.next = now + this.postRate;
    return { at: now, readings, siteStatus, derStatus };
  }

  /** POSTs a LogEvent to the EndDevice's LogEventList (CSIP BASIC-027 alarms). Returns its href. */
  async postLogEvent(resource: Fields): Promise<string> {
    const href = linkHref(this.requireEndDevice(), 'LogEventListLink');
    if (href === undefined)
      throw new MeterkitError(ErrorCode.Unsupported, 'EndDevice has no LogEventListLink');
    return this.post(href, { type: 'LogEvent', resource });
  }
}
