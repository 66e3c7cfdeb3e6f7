/** A register as the demo shows it: a name, its id on the meter, a scaled value and a unit. */
export interface DemoRegister {
  readonly name: string;
  /** OBIS code, table entry or resource the value came from. */
  readonly source: string;
  readonly value: number;
  readonly unit: string;
}

/** A load profile channel, oldest value first. */
export interface DemoSeries {
  readonly label: string;
  readonly unit: string;
  /** First and last interval (ISO 8601 or the meter's own form). */
  readonly from: string;
  readonly to: string;
  readonly intervalMinutes: number;
  readonly values: readonly number[];
}

/** A DER program the IEEE 2030.5 client polled (IEEE 2030.5-2018 §10.10 DERProgram). */
export interface DemoDerProgram {
  readonly mRID: string;
  readonly description: string;
  readonly primacy: number;
  /** mRIDs of the program's DERControls. */
  readonly controls: readonly string[];
}

/** A control in effect for one DER control mode (IEEE 2030.5-2018 §12.1.3). */
export interface DemoActiveControl {
  readonly mode: string;
  /** Human-readable value, e.g. `5000 W`. */
  readonly value: string;
  /** `event` (a DERControl) or `default` (the program's DefaultDERControl). */
  readonly source: 'event' | 'default';
  readonly mRID: string;
  readonly programMRID: string;
  /** For an event: its interval, TimeType seconds. */
  readonly start?: number;
  readonly end?: number;
}

/** What one probe of one simulator found. */
export interface DemoProbeResult {
  readonly protocol: 'dlms' | 'c1222' | 'ieee2030-5';
  readonly title: string;
  /** How the client got in: transport, addressing, authentication and protection. */
  readonly session: string;
  readonly identity: Readonly<Record<string, string>>;
  readonly registers: readonly DemoRegister[];
  readonly loadProfile?: DemoSeries;
  readonly programs?: readonly DemoDerProgram[];
  readonly activeControls?: readonly DemoActiveControl[];
  /** DefaultDERControl settings in effect (IEEE 2030.5-2018 §10.10), e.g. `setGradW 27`. */
  readonly defaultSettings?: readonly string[];
  /** Responses the client POSTed for events (IEEE 2030.5-2018 §10.x Response function set). */
  readonly responses?: readonly string[];
  /** Wall time of the probe, ms (left out of the JSON: it varies). */
  readonly elapsedMs: number;
}
