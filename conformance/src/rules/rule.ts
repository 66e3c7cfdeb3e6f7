import type { C1218Packet, C1222Message } from '@meterkit/c1222';
import type { MeterkitError } from '@meterkit/core';
import type { DecipheredApdu, DecodedApdu, HdlcFrame, WrapperPdu } from '@meterkit/dlms';
import type { DecodedXml } from '@meterkit/ieee2030-5';
import type { Keyring } from '../keyring.js';
import type { SessionMessage } from '../session/frame-session.js';
import type { RuleDefinition, Verdict } from '../verdict.js';

/** The DLMS layers of one message, decoded once and shared by every DLMS rule. */
export interface DlmsLayers {
  readonly hdlc?: HdlcFrame | undefined;
  readonly hdlcError?: MeterkitError | undefined;
  readonly wrapper?: WrapperPdu | undefined;
  readonly wrapperError?: MeterkitError | undefined;
  /** The APDU octets carried (absent for frames without one, and for HDLC segments). */
  readonly apduBytes?: Uint8Array | undefined;
  /** Offset of `apduBytes[0]` in the message. */
  readonly apduOffset: number;
  /** True when the frame is one segment of a longer APDU (not its last: that one carries the whole APDU). */
  readonly segmented: boolean;
  /**
   * At the last HDLC segment of a segmented APDU: how many segments `apduBytes` was reassembled
   * from (then `apduBytes` is the whole APDU, not a view of this frame, and offsets past
   * `apduOffset` count in the whole APDU).
   */
  readonly reassembled?: number | undefined;
  readonly apdu?: DecodedApdu | undefined;
  readonly apduError?: MeterkitError | undefined;
  /** Deciphered content, when the APDU is ciphered and a key was found. */
  readonly deciphered?: DecipheredApdu | undefined;
  readonly decipherError?: MeterkitError | undefined;
  /** The plain APDU inside a ciphered one. */
  readonly inner?: DecodedApdu | undefined;
}

/** The C12.18 layers of one message (ANSI C12.18 §5.3). */
export interface C1218Layers {
  /** 0x06 ACK or 0x15 NAK. */
  readonly control?: 'ack' | 'nak' | undefined;
  readonly packet?: C1218Packet | undefined;
  readonly error?: MeterkitError | undefined;
}

/** The C12.22 layers of one message (IEEE 1703 §5.3). */
export interface C1222Layers {
  readonly message?: C1222Message | undefined;
  readonly error?: MeterkitError | undefined;
}

/** The IEEE 2030.5 layers of one message: the XML body (of an HTTP message or bare). */
export interface Ieee20305Layers {
  /** HTTP start line, when the message is an HTTP message. */
  readonly startLine?: string | undefined;
  /** The body text (empty when there is none). */
  readonly body: string;
  /** Byte offset of the body in the message. */
  readonly bodyOffset: number;
  readonly document?: DecodedXml | undefined;
  readonly error?: MeterkitError | undefined;
}

/** One framed message with its decoded layers, as every rule sees it. */
export interface AnalysedMessage {
  readonly message: SessionMessage;
  /** 0-based index in the run (messages of all channels). */
  readonly index: number;
  readonly dlms?: DlmsLayers | undefined;
  readonly c1218?: C1218Layers | undefined;
  readonly c1222?: C1222Layers | undefined;
  readonly ieee20305?: Ieee20305Layers | undefined;
}

/** What a rule says about one message (or at the end of a channel). */
export interface RuleOutcome {
  readonly verdict: Verdict;
  /** Why; required for every verdict but PASS. */
  readonly message?: string | undefined;
  /** Byte offset inside the frame's bytes. */
  readonly offset?: number | undefined;
  /** The frame the outcome is about (default: the message checked). */
  readonly frame?: number | undefined;
}

/** What a rule's `check` is given. */
export interface RuleContext<S> {
  readonly analysed: AnalysedMessage;
  /** The rule's state for this message's channel (session rules). */
  readonly state: S;
  readonly keys: Keyring;
}

/**
 * A conformance rule: its definition (stable id, statement, clause) and a check run over every
 * message of its protocol. Frame rules look at one message; session rules keep state per channel
 * (`createState`) and may say more when the channel ends (`finish`). A check returns `undefined`
 * when the message is not one the rule is about.
 */
export interface Rule<S = undefined> extends RuleDefinition {
  readonly scope: 'frame' | 'session';
  readonly createState?: () => S;
  check(context: RuleContext<S>): RuleOutcome | undefined;
  finish?(state: S, keys: Keyring): readonly RuleOutcome[];
}

/** A rule of any state type, as the runner holds it. */
export type AnyRule = Rule<unknown>;

/** Builds a PASS outcome. */
export const pass = (offset?: number): RuleOutcome => ({ verdict: 'PASS', offset });

/** Builds a non-PASS outcome. */
export const outcome = (verdict: Verdict, message: string, offset?: number, frame?: number): RuleOutcome => ({
  verdict,
  message,
  offset,
  frame,
});

/** The definition part of a rule, as it goes into a report. */
export function ruleDefinition(rule: RuleDefinition): RuleDefinition {
  return { id: rule.id, protocol: rule.protocol, statement: rule.statement, clause: rule.clause };
}
