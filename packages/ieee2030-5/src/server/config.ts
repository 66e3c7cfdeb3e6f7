/**
 * Configuration of the IEEE 2030.5 test server (plain JSON): function-set defaults (pollRate,
 * postRate, Time), registration policy, EndDevices registered out of band, DERPrograms with their
 * DefaultDERControl and DERControls, FunctionSetAssignments, and any further resources. Resource
 * bodies use the JSON form of `resourceFromJson` (64-bit values as numbers or decimal strings).
 */

/** An EndDevice known to the server (IEEE 2030.5-2018 §6.3 registration). */
export interface EndDeviceConfig {
  /** LFDI of the device certificate (40 hex digits, any grouping). */
  readonly lfdi: string;
  /** Registration PIN (6 digits with check digit), default `TestServerConfig.defaultPin`. */
  readonly pin?: number;
  /** `out-of-band` (default): created at start-up; `in-band`: created when the client POSTs its EndDevice. */
  readonly registration?: 'out-of-band' | 'in-band';
  /** deviceCategory (HexBinary32 hex text). */
  readonly deviceCategory?: string;
  /** FunctionSetAssignments hrefs this device is given (default: all). */
  readonly fsa?: readonly string[];
  /** EndDevice.postRate in seconds. */
  readonly postRate?: number;
  /** Also give the device a ConnectionPoint PUT target (CSIP-AUS), default true. */
  readonly connectionPoint?: boolean;
  /**
   * DERPrograms for this device alone (`SepTestServer.addEndDeviceProgram`): `/edev/<n>/derp/<m>`,
   * assigned through an extra FunctionSetAssignments `/edev/<n>/fsa/<k>` in its FSA list.
   */
  readonly programs?: readonly ProgramConfig[];
}

/** A DERProgram (IEEE 2030.5-2018 §10.10) with its DefaultDERControl and DERControls. */
export interface ProgramConfig {
  /** Href (default `/derp/<n>`). */
  readonly href?: string;
  readonly mRID: string;
  readonly description?: string;
  /** PrimacyType: lower values have higher priority. */
  readonly primacy: number;
  /** The program's DefaultDERControl (JSON form of sep.xsd DefaultDERControl). */
  readonly defaultControl?: Readonly<Record<string, unknown>>;
  /** DERControls (JSON form of sep.xsd DERControl). */
  readonly controls?: readonly Readonly<Record<string, unknown>>[];
}

/** A FunctionSetAssignments (IEEE 2030.5-2018 §8.x FSA) grouping DERPrograms. */
export interface FsaConfig {
  /** Href (default `/fsa/<n>`). */
  readonly href?: string;
  readonly mRID: string;
  readonly description?: string;
  /** Hrefs of the DERPrograms it assigns. */
  readonly programs: readonly string[];
}

/** Any further resource of the tree. */
export interface ResourceConfig {
  readonly href: string;
  /** sep.xsd type name. */
  readonly type: string;
  /** JSON form of the resource. */
  readonly resource: Readonly<Record<string, unknown>>;
  readonly puttable?: boolean;
  readonly deletable?: boolean;
}

/** Any further list resource. */
export interface ListConfig {
  readonly href: string;
  /** sep.xsd list type name (e.g. `TariffProfileList`). */
  readonly type: string;
  /** Entry hrefs (resources declared in `resources`). */
  readonly items: readonly string[];
  readonly pollRate?: number;
  /** `subscribable` (SubscribableType: 0 none, 1 non-conditional, 2 conditional, 3 both). */
  readonly subscribable?: number;
}

/** Time function set settings (IEEE 2030.5-2018 §8.x, sep.xsd `Time`). */
export interface TimeConfig {
  readonly tzOffset?: number;
  readonly dstOffset?: number;
  readonly dstStartTime?: number;
  readonly dstEndTime?: number;
  /** Time quality (3 = external authoritative source ... 7), default 4. */
  readonly quality?: number;
}

/** The whole test server configuration (all fields optional). */
export interface TestServerConfig {
  /** pollRate of DeviceCapability, Time and the function-set lists, seconds (default 900). */
  readonly pollRate?: number;
  /** Default EndDevice.postRate, seconds (default 900). */
  readonly postRate?: number;
  readonly time?: TimeConfig;
  /** Accept EndDevice POSTs to /edev (default true). */
  readonly inBandRegistration?: boolean;
  /** PIN of devices registered without one (default 111115). */
  readonly defaultPin?: number;
  /** LFDIs of aggregator clients: they see and may register every EndDevice. */
  readonly aggregators?: readonly string[];
  readonly endDevices?: readonly EndDeviceConfig[];
  readonly programs?: readonly ProgramConfig[];
  /** FunctionSetAssignments (default: one, `/fsa/1`, assigning every program). */
  readonly fsa?: readonly FsaConfig[];
  /** responseRequired given to DERControls that lack one (HexBinary8, default `03`). */
  readonly responseRequired?: string;
  readonly resources?: readonly ResourceConfig[];
  readonly lists?: readonly ListConfig[];
  /** `l` when a list query has none (default 1). */
  readonly defaultListLimit?: number;
  /** Largest `l` served (default 255). */
  readonly maxListLimit?: number;
  /** Largest request body accepted, bytes (default 65536). */
  readonly maxBodyBytes?: number;
}
