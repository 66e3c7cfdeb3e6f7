/**
 * A synthetic, deterministic load curve for the simulator's energy registers and load profile
 * (the quantities of IEC 62056-6-1 §7.5, e.g. 1-0:1.8.0 active energy import): mean power per
 * 15-minute interval shaped by a daily cycle and seeded noise, integrated into an energy counter
 * that only ever increases. The same instant always gives the same energy, so the profile history,
 * the live register and a later re-read agree.
 */

/** Shape of the daily cycle. IEC 62056-6-1 §7.5. */
export type LoadShape = 'consumption' | 'generation' | 'flat';

/** Options of a load curve. IEC 62056-6-1 §7.5. */
export interface LoadCurveOptions {
  /** Average power in watts over a day. */
  readonly averagePower: number;
  readonly shape?: LoadShape | undefined;
  /** Seed of the noise; different registers should use different seeds. */
  readonly seed?: number | undefined;
  /** Energy (Wh) at `origin`. */
  readonly initialEnergy?: number | undefined;
  /** Time (ms since the epoch) the counter starts from; earlier instants read the initial energy. */
  readonly origin: number;
  /** Deviation of local time (minutes, UTC − local) for the daily cycle; default 0. */
  readonly deviation?: number | undefined;
}

/** Length of one interval of the curve: 15 minutes. IEC 62056-6-1 §7.5. */
export const LOAD_INTERVAL_MS = 900_000;

/** A 32-bit mix of the seed and the interval index (splitmix-style), as a fraction in [0, 1). */
function noise(seed: number, k: number): number {
  let x = (Math.imul(k | 0, 0x9e3779b1) ^ Math.imul(seed | 0, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x / 0x100000000;
}

/** An energy counter integrated from a daily load cycle (see the module comment). IEC 62056-6-1 §7.5. */
export class LoadCurve {
  private readonly averagePower: number;
  private readonly shape: LoadShape;
  private readonly seed: number;
  private readonly initialEnergy: number;
  private readonly firstInterval: number;
  private readonly deviationMs: number;
  /** cumulative[i]: Wh from the origin interval's start to the start of interval firstInterval + i. */
  private readonly cumulative: number[] = [0];

  constructor(o: LoadCurveOptions) {
    this.averagePower = o.averagePower;
    this.shape = o.shape ?? 'consumption';
    this.seed = o.seed ?? 1;
    this.initialEnergy = o.initialEnergy ?? 0;
    this.firstInterval = Math.floor(o.origin / LOAD_INTERVAL_MS);
    this.deviationMs = (o.deviation ?? 0) * 60_000;
  }

  /** Mean power (W) of interval `k` (index since the epoch). */
  powerOf(k: number): number {
    const localHour = ((((k * LOAD_INTERVAL_MS - this.deviationMs) / 3_600_000) % 24) + 24) % 24;
    const n = noise(this.seed, k);
    let factor: number;
    switch (this.shape) {
      case 'generation': {
        // daylight only, peaking at 13:00
        const sun = Math.cos(((localHour - 13) / 14) * Math.PI);
        factor = sun > 0 ? 2.6 * sun * (0.6 + 0.4 * n) : 0;
        break;
      }
      case 'flat':
        factor = 0.9 + 0.2 * n;
        break;
      default: {
        // low at night, a morning and a larger evening peak
        const morning = Math.exp(-(((localHour - 7.5) / 1.5) ** 2));
        const evening = Math.exp(-(((localHour - 19) / 2.2) ** 2));
        factor = (0.45 + 0.9 * morning + 1.5 * evening) * (0.7 + 0.6 * n);
      }
    }
    return this.averagePower * factor;
  }

  /** Energy in Wh at time `t` (ms since the epoch). */
  energyAt(t: number): number {
    const pos = t / LOAD_INTERVAL_MS - this.firstInterval;
    if (pos <= 0) return this.initialEnergy;
    const whole = Math.floor(pos);
    while (this.cumulative.length <= whole) {
      const i = this.cumulative.length - 1;
      this.cumulative.push(this.cumulative[i]! + this.powerOf(this.firstInterval + i) / 4);
    }
    const partial = (pos - whole) * (this.powerOf(this.firstInterval + whole) / 4);
    return this.initialEnergy + this.cumulative[whole]! + partial;
  }
}
