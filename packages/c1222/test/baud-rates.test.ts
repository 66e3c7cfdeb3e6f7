import t from 'tap';
import { C1222_DATALINK_BAUD_RATES } from '../src/c1218/c1222-datalink.js';
import { C1218_BAUD_RATES, fastestBaudRate } from '../src/session/baud-rates.js';

t.test('the C12.22 datalink uses the C12.18 baud rate codes', async (t) => {
  t.equal(C1222_DATALINK_BAUD_RATES, C1218_BAUD_RATES);
  t.equal(C1218_BAUD_RATES[6], 9600);
  t.equal(C1218_BAUD_RATES[10], 57600);
  t.equal(C1218_BAUD_RATES[11], 38400, 'code 11 is 38400, below code 10 in speed');
  t.equal(C1218_BAUD_RATES[14], 256000);
});

t.test('negotiate picks the fastest offered rate the device supports', async (t) => {
  t.equal(fastestBaudRate([6, 8, 12], [6, 8, 10, 12], 0), 12);
  t.equal(fastestBaudRate([12, 8, 6], [6, 8, 10], 0), 8, 'order of the offer does not matter');
  t.equal(fastestBaudRate([10, 11], [10, 11], 0), 10, 'by bit rate, not by code: 57600 beats 38400');
  t.equal(fastestBaudRate([13, 14], [6, 8], 0), 0, 'nothing in common keeps the C12.18 "no change" code');
  t.equal(fastestBaudRate([], [6], 6), 6, 'an empty offer gives the fallback');
  t.equal(fastestBaudRate([99], [99], 6), 6, 'an unknown code never beats a known one');
});
