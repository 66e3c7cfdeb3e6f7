import { ErrorCode, MeterkitError } from '../errors.js';
import type { CaptureDirection } from './endpoint.js';
import { LinkType } from './format.js';
import type { CaptureRecordOptions } from './tcp-stream-recorder.js';
import type { PcapngWriter } from './writer.js';

/**
 * meterkit's serial capture format, carried in LINKTYPE_USER0 (147), a link type reserved for
 * private use (draft-ietf-opsawg-pcaplinktype): every packet is
 *
 * ```
 * +-----------+---------------------------------+
 * | direction | bytes as they crossed the line  |
 * |  1 octet  |  0 or more octets               |
 * +-----------+---------------------------------+
 * ```
 *
 * with direction `0x00` = host → device (client to server, e.g. the probe to the meter) and `0x01`
 * = device → host. One packet holds one read or write as the port delivered it; frame boundaries are
 * the codec's business. In Wireshark, map User 0 to a dissector under Preferences › Protocols › DLT_USER
 * with header size 1 to skip the direction byte.
 */
export const SERIAL_DIRECTION_HOST_TO_DEVICE = 0;
/** Direction byte for device → host in the LINKTYPE_USER0 serial format (see `SERIAL_DIRECTION_HOST_TO_DEVICE`). */
export const SERIAL_DIRECTION_DEVICE_TO_HOST = 1;

/** How a `SerialRecorder` names its interface. */
export interface SerialRecorderOptions {
  /** if_name, e.g. `/dev/ttyUSB0`. Default `serial`. */
  readonly name?: string;
  /** if_description, e.g. `IEC 62056-21 optical probe, 9600 8N1`. */
  readonly description?: string;
  /** An existing LINKTYPE_USER0 interface of the writer; by default the recorder adds its own. */
  readonly interfaceId?: number;
}

/**
 * Records a serial byte stream into a pcapng file in the LINKTYPE_USER0 format documented at
 * `SERIAL_DIRECTION_HOST_TO_DEVICE`: one packet per read or write, prefixed by its direction byte.
 * Timestamps use nanosecond resolution, since serial timing gaps matter to framing.
 */
export class SerialRecorder {
  private readonly writer: PcapngWriter;
  private readonly interfaceId: number;

  constructor(writer: PcapngWriter, options: SerialRecorderOptions = {}) {
    this.writer = writer;
    this.interfaceId =
      options.interfaceId ??
      writer.addInterface({
        linkType: LinkType.USER0,
        name: options.name ?? 'serial',
        description:
          options.description ?? 'meterkit serial: 1 direction byte (0 host->device, 1 device->host)',
        timestampResolution: 'ns',
      });
    const iface = writer.interfaceList[this.interfaceId];
    if (iface === undefined || iface.linkType !== LinkType.USER0) {
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `interface ${this.interfaceId} is not LINKTYPE_USER0`,
      );
    }
  }

  /** Records `bytes` that crossed the line in `direction` (client = host) at `time` (ns since the Unix epoch). */
  record(
    direction: CaptureDirection,
    bytes: Uint8Array,
    time: bigint,
    options: CaptureRecordOptions = {},
  ): void {
    const packet = new Uint8Array(1 + bytes.length);
    packet[0] =
      direction === 'client-to-server' ? SERIAL_DIRECTION_HOST_TO_DEVICE : SERIAL_DIRECTION_DEVICE_TO_HOST;
    packet.set(bytes, 1);
    this.writer.writePacket(
      this.interfaceId,
      time,
      packet,
      options.comment === undefined ? {} : { comment: options.comment },
    );
  }
}
