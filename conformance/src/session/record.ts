/**
 * The normalised session model every conformance input (pcap/pcapng, hex logs, Gurux XML traces,
 * JSONL sessions, HTTP exchanges) is turned into, so rules never care where bytes came from.
 */

/** Which way bytes travelled. The client is the side that opened the association (sent SYN, AARQ, the request). */
export type SessionDirection = 'client-to-server' | 'server-to-client' | 'unknown';

/** The protocols the harness analyses. */
export type SessionProtocol = 'dlms' | 'c1222' | 'c1218' | 'ieee2030-5';

/** Bytes known to be missing from a stream (lost segment, capture started late, buffer cap reached). */
export interface SessionGap {
  /** Number of missing bytes; rules that need them give INCONCLUSIVE. */
  readonly missing: number;
  /** Why they are missing. */
  readonly reason: 'lost' | 'buffer-cap' | 'flow-evicted';
}

/**
 * One record of a normalised session: a run of bytes on one channel in one direction.
 *
 * For TCP the bytes are a piece of the reassembled stream (message framing is a later layer, see
 * `frameStream`); for UDP, serial and text inputs they are one datagram, packet or line.
 */
export interface SessionRecord {
  /** 1-based frame number in the input: the capture packet that completed these bytes, or the line/message number. */
  readonly frame: number;
  /** A stable channel id shared by both directions, e.g. `tcp 10.0.0.1:50000 > 10.0.0.2:4059` (client first). */
  readonly channel: string;
  readonly direction: SessionDirection;
  /** Nanoseconds since the Unix epoch, when the input has times. */
  readonly timestamp: bigint | undefined;
  /** Detected or configured protocol, when known. */
  readonly protocol?: SessionProtocol | undefined;
  /** The bytes; empty for a gap marker and for XML-only records. */
  readonly bytes: Uint8Array;
  /** Present on a gap marker: bytes missing before the next record of this channel and direction. */
  readonly gap?: SessionGap | undefined;
  /** Gurux XML traces that hold only a decoded PDU tree: the element's XML text (bytes are then empty). */
  readonly xml?: string | undefined;
  /** True when the stream is TLS (2030.5 over HTTPS): the bytes are encrypted records, not analysable. */
  readonly encrypted?: boolean | undefined;
  /** The input's own note about this record (pcapng comment, hex log trailing comment). */
  readonly comment?: string | undefined;
}
