import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A key or password. Its value only comes out through `reveal()`: `toString`, `JSON.stringify`,
 * `util.inspect` and template strings all show `[redacted]`, so a secret that slips into a log
 * line, an error or a capture comment leaks nothing.
 */
export class Secret {
  readonly #value: Uint8Array;
  /** Where the secret came from (`--key`, `METERKIT_KEY_EK`, `keyring kitchen-a1800`), for messages. */
  readonly origin: string;

  constructor(value: Uint8Array, origin: string) {
    this.#value = value.slice();
    this.origin = origin;
  }

  /** The secret's bytes (a copy). Pass them to the protocol code, never to output. */
  reveal(): Uint8Array {
    return this.#value.slice();
  }

  /** Length in bytes (safe to show: key sizes are public). */
  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED}, ${this.length} bytes from ${this.origin})`;
  }
}
