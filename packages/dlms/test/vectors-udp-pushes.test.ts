/**
 * The 13 UDP-wrapper general-glo-ciphering data-notifications of a public DLMS test suite
 * (IEC 62056-47 §5.2 wrapper, IEC 62056-5-3 §9.2.7.2.4 general-glo-ciphering), with their
 * published key. The GCM tag is the independent oracle: every frame must verify, decode to a
 * data-notification, and re-cipher byte-exactly with the same invocation counter.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, fromHex, toHex } from '@meterkit/core';
import t from 'tap';
import { decodeApdu } from '../src/apdu/index.js';
import { cipherApdu, decipherApdu, SecurityContext } from '../src/security/index.js';
import { decodeWrapperPdu } from '../src/wrapper/index.js';

interface PushVector {
  readonly id: string;
  readonly source: string;
  readonly hex: string;
  readonly invocationCounter: number;
}
const doc = JSON.parse(
  readFileSync(new URL('vectors/security/udp-pushes.json', import.meta.url), 'utf8'),
) as {
  key: string;
  systemTitle: string;
  entries: PushVector[];
};
const key = fromHex(doc.key);

t.test('all 13 UDP pushes verify, decode and re-cipher byte-exactly', async (t) => {
  t.equal(doc.entries.length, 13);
  const receiver = new SecurityContext({ globalUnicastEncryptionKey: key, authenticationKey: key });
  let last = -1;
  for (const v of doc.entries) {
    const datagram = fromHex(v.hex);
    const wrapper = decodeWrapperPdu(datagram);
    t.same([wrapper.version, wrapper.sourceWPort, wrapper.destinationWPort], [1, 1, 1], `${v.id} wrapper`);
    t.equal(wrapper.payload.length, 70, `${v.id} wrapper length`);
    const d = decipherApdu(receiver, wrapper.payload);
    t.equal(d.tagVerified, true, `${v.id} tag verified`);
    t.equal(d.envelope.type, 'general-glo-ciphering');
    t.equal(toHex(d.senderSystemTitle), doc.systemTitle.toLowerCase(), `${v.id} system title`);
    t.equal(d.invocationCounter, v.invocationCounter, `${v.id} invocation counter`);
    t.ok(d.invocationCounter > last, `${v.id} counter increases`);
    last = d.invocationCounter;

    const apdu = decodeApdu(d.plaintext);
    t.equal(apdu.type, 'data-notification', `${v.id} is a data-notification`);

    // the sender side: same key, same system title, same counter → the same bytes on the wire
    const sender = new SecurityContext({
      systemTitle: fromHex(doc.systemTitle),
      globalUnicastEncryptionKey: key,
      authenticationKey: key,
    });
    const again = cipherApdu(sender, d.plaintext, {
      form: 'general-glo',
      invocationCounter: d.invocationCounter,
    });
    t.equal(toHex(again), toHex(wrapper.payload), `${v.id} re-ciphered`);
  }
});

t.test('a wrong key or a flipped bit fails every push; a replay is refused', async (t) => {
  const wrongKey = fromHex('00112233445566778899aabbccddeeff');
  for (const v of doc.entries) {
    const payload = decodeWrapperPdu(fromHex(v.hex)).payload;
    const wrong = new SecurityContext({ globalUnicastEncryptionKey: wrongKey, authenticationKey: wrongKey });
    t.throws(
      () => decipherApdu(wrong, payload),
      { code: ErrorCode.AuthenticationFailed },
      `${v.id} wrong key`,
    );
    const flipped = payload.slice();
    flipped[30] = flipped[30]! ^ 0x01;
    const ctx = new SecurityContext({ globalUnicastEncryptionKey: key, authenticationKey: key });
    t.throws(
      () => decipherApdu(ctx, flipped),
      { code: ErrorCode.AuthenticationFailed },
      `${v.id} flipped bit`,
    );
  }
  const ctx = new SecurityContext({ globalUnicastEncryptionKey: key, authenticationKey: key });
  const last = decodeWrapperPdu(fromHex(doc.entries.at(-1)!.hex)).payload;
  decipherApdu(ctx, last);
  const earlier = decodeWrapperPdu(fromHex(doc.entries[0]!.hex)).payload;
  t.throws(
    () => decipherApdu(ctx, earlier),
    { code: ErrorCode.Replay },
    'an older counter after a newer one',
  );
});
