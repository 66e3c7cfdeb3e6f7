/**
 * The meter simulator (server role): a profile's object tree and associations, a server session
 * per client (IEC 62056-5-3 §9.4), and pushes (Push setup, IEC 62056-6-2 §4.4.8: data-notification
 * APDUs, IEC 62056-5-3 §8, built from push_object_list) on demand or on the profile's schedule.
 * Transports (`serveWrapperTcp`, `serveWrapperUdp`, `serveHdlcTcp`, `serveHdlcSerial`) route the
 * bytes of each client to its session.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { encodeApdu } from '../apdu/registry.js';
import type { DlmsData } from '../axdr/data.js';
import type { DataSet } from '../optical/messages.js';
import { cipherApdu } from '../security/ciphering.js';
import type { AssociationConfig } from './association-config.js';
import type { ServerObject } from './cosem-object.js';
import type { CosemObjectStore } from './object-store.js';
import { buildSimulatorModel, type SimulatorProfile } from './profile.js';
import type { PushSetupObject, SendDestination } from './push-setup-object.js';
import { EnergyRegisterObject } from './register-object.js';
import { DlmsServerSession } from './server-session.js';

/** A push the simulator produced. IEC 62056-5-3 §9.4, IEC 62056-6-2 §4.4.8. */
export interface PushEvent {
  /** The Push setup's logical name. */
  readonly pushSetup: string;
  readonly destination: SendDestination;
  /** The data-notification APDU (not framed), ciphered when the Push setup says so. */
  readonly apdu: Uint8Array;
  /** The APDU is a general-glo-ciphering or general-ciphering envelope. */
  readonly ciphered: boolean;
}

/** Options of the simulator. IEC 62056-5-3 §9.4, IEC 62056-6-2 §4.4.8. */
export interface MeterSimulatorOptions {
  /** Clock source, ms since the epoch (default `Date.now`). */
  readonly now?: (() => number) | undefined;
}

/** A simulated meter (see the module comment). IEC 62056-5-3 §9.4, IEC 62056-6-2 §4.4.8. */
export class MeterSimulator {
  readonly profile: SimulatorProfile;
  readonly store: CosemObjectStore;
  readonly associations: ReadonlyMap<number, AssociationConfig>;
  readonly systemTitle: Uint8Array;
  /** Server SAP of the logical device (HDLC upper address, wrapper wPort). */
  readonly logicalDevice: number;
  /** HDLC lower (physical) address. */
  readonly physicalAddress: number;
  readonly now: () => number;
  private readonly pushSetups: readonly PushSetupObject[];
  private readonly pushListeners = new Set<(e: PushEvent) => void>();
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private invokeId = 0;

  constructor(profile: SimulatorProfile, options: MeterSimulatorOptions = {}) {
    this.profile = profile;
    this.now = options.now ?? Date.now;
    const model = buildSimulatorModel(profile, { start: this.now(), onPush: (p) => this.pushFrom(p) });
    this.store = model.store;
    this.associations = model.associations;
    this.systemTitle = model.systemTitle;
    this.logicalDevice = model.logicalDevice;
    this.physicalAddress = model.physicalAddress;
    this.pushSetups = model.pushSetups;
  }

  /**
   * A new server session for a client SAP talking to a server SAP (logical device), or undefined
   * when the logical device is not this one or the client SAP has no association.
   */
  createSession(clientSap: number, serverSap: number): DlmsServerSession | undefined {
    if (serverSap !== this.logicalDevice) return undefined;
    const association = this.associations.get(clientSap);
    if (association === undefined) return undefined;
    return new DlmsServerSession({
      store: this.store,
      association,
      clientSap,
      serverSap,
      systemTitle: this.systemTitle,
      now: this.now,
    });
  }

  /**
   * The public half of the ECDSA signing key of the association of `clientSap` (suites 1 and 2,
   * HLS mechanism 7), e.g. for a client's `peerSigningKey`; undefined when it has none.
   */
  signingPublicKey(clientSap: number): KeyObject | undefined {
    const k = this.associations.get(clientSap)?.security?.signingKey;
    return k === undefined ? undefined : createPublicKey(k);
  }

  /**
   * The public half of the static key-agreement key of the association of `clientSap` (for the
   * client's `peerKeyAgreementKey`); undefined when it has none. IEC 62056-5-3 §9.2.3.4.6.
   */
  keyAgreementPublicKey(clientSap: number): KeyObject | undefined {
    const k = this.associations.get(clientSap)?.security?.keyAgreementKey;
    return k === undefined ? undefined : createPublicKey(k);
  }

  /** Listens to pushes; returns the function that stops listening. */
  onPush(listener: (e: PushEvent) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /**
   * Pushes now from the Push setup `logicalName` (default: the first one) and returns the event.
   * `ValueInvalid` when there is no such Push setup.
   */
  push(logicalName?: string): PushEvent {
    const p =
      logicalName === undefined
        ? this.pushSetups[0]
        : this.pushSetups.find((x) => x.logicalName === this.store.get(logicalName)?.logicalName);
    if (p === undefined)
      throw new MeterkitError(ErrorCode.ValueInvalid, `no Push setup ${logicalName ?? ''}`.trim(), {
        path: 'push',
      });
    return this.pushFrom(p);
  }

  /** Starts the profile's push schedules (`everySeconds` of each Push setup). */
  startSchedules(): void {
    this.stopSchedules();
    for (const p of this.pushSetups) {
      if (p.everySeconds === undefined || !(p.everySeconds > 0)) continue;
      const t = setInterval(() => this.pushFrom(p), p.everySeconds * 1000);
      t.unref?.();
      this.timers.push(t);
    }
  }

  /** Stops the push schedules. */
  stopSchedules(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  /** The data-notification of one Push setup: its push_object_list's values, as a structure. */
  private pushFrom(p: PushSetupObject): PushEvent {
    const now = this.now();
    const values: DlmsData[] = p.pushObjects.map((c) => {
      const o: ServerObject | undefined = this.store.get(c.logicalName);
      const v = o?.valueAt(c.attributeIndex, now);
      if (v === undefined) return { type: 'null-data', value: null };
      if (c.dataIndex > 0 && (v.type === 'structure' || v.type === 'array'))
        return v.value[c.dataIndex - 1] ?? { type: 'null-data', value: null };
      return v;
    });
    this.invokeId = (this.invokeId + 1) & 0xffffff;
    const apdu = encodeApdu({
      type: 'data-notification',
      longInvokeIdAndPriority: {
        invokeId: this.invokeId,
        selfDescriptive: false,
        processingOption: 'continue-on-error',
        serviceClass: 'unconfirmed',
        priority: 'normal',
      },
      dateTime: this.store.clock()?.dateTimeAt(now) ?? null,
      notificationBody: { type: 'structure', value: values },
    });
    const c = p.ciphering;
    const sent =
      c === undefined
        ? apdu
        : cipherApdu(c.security, apdu, { form: c.form, protection: c.protection, broadcast: c.broadcast });
    const e: PushEvent = {
      pushSetup: p.logicalName,
      destination: p.sendDestination,
      apdu: sent,
      ciphered: c !== undefined,
    };
    for (const l of this.pushListeners) l(e);
    return e;
  }

  /** The energy registers as IEC 62056-21 mode C data sets (`1.8.0(001234.567*kWh)`). */
  readoutDataSets(): DataSet[] {
    const now = this.now();
    const sets: DataSet[] = [];
    for (const o of this.store.objects()) {
      if (!(o instanceof EnergyRegisterObject)) continue;
      const v = o.registerValueAt(now).value;
      const [, , c, d, e] = o.logicalName.split(/[-:.]/);
      const kwh = (Number(v) * 10 ** o.scaler) / 1000;
      sets.push({
        address: `${c}.${d}.${e}`,
        values: [{ value: kwh.toFixed(3).padStart(10, '0'), unit: 'kWh' }],
      });
    }
    return sets;
  }

  /** Stops schedules; sessions end with their transports. */
  close(): void {
    this.stopSchedules();
  }
}
