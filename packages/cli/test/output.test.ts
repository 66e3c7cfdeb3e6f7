import t from 'tap';
import { lineChart } from '../src/output/chart.js';
import { csvField, csvRecord, renderCsv } from '../src/output/csv.js';
import { outputMode } from '../src/output/format.js';
import { jsonLine } from '../src/output/json-lines.js';
import { ProgressBar } from '../src/output/progress.js';
import { displayWidth, renderFields, renderTable } from '../src/output/table.js';
import { captureIo } from './helpers.js';

t.test('tables align columns, right-align numbers, ignore colour codes', (t) => {
  const lines = renderTable(
    [{ header: 'OBIS' }, { header: 'VALUE', align: 'right' }, { header: 'UNIT' }],
    [
      ['1-0:1.8.0.255', '12345.6', 'Wh'],
      ['0-0:1.0.0.255', '7', ''],
    ],
  );
  t.same(lines, [
    'OBIS             VALUE  UNIT',
    '─────────────  ───────  ────',
    '1-0:1.8.0.255  12345.6  Wh',
    '0-0:1.0.0.255        7',
  ]);
  t.equal(displayWidth('\u001b[31mred\u001b[39m'), 3);
  t.same(
    renderFields([
      ['LFDI', 'ab'],
      ['SFDI', '12'],
    ]),
    ['LFDI: ab', 'SFDI: 12'],
  );
  t.same(renderTable([{ header: 'A' }], []), ['A', '─']);
  t.end();
});

t.test('CSV quotes per RFC 4180', (t) => {
  t.equal(csvField('plain'), 'plain');
  t.equal(csvField('a,b'), '"a,b"');
  t.equal(csvField('say "hi"'), '"say ""hi"""');
  t.equal(csvField('two\nlines'), '"two\nlines"');
  t.equal(csvField(null), '');
  t.equal(csvField(undefined), '');
  t.equal(csvField(12n), '12');
  t.equal(csvRecord(['a', 1, true]), 'a,1,true\r\n');
  t.equal(renderCsv(['x', 'y'], [[1, 'a,b']]), 'x,y\r\n1,"a,b"\r\n');
  t.end();
});

t.test('JSON lines use the JSON form on one line', (t) => {
  t.equal(
    jsonLine({ z: 1, type: 't', b: new Uint8Array([1, 0xab]), n: 5n }),
    '{"type":"t","b":"01ab","n":"5","z":1}\n',
  );
  t.equal(jsonLine({ s: 'a\nb' }).split('\n').length, 2, 'newlines inside strings stay escaped');
  t.end();
});

t.test('output mode', (t) => {
  t.equal(outputMode({ json: true }), 'json');
  t.equal(outputMode({ json: false, csv: true }), 'csv');
  t.equal(outputMode({ json: false }), 'human');
  t.end();
});

t.test('progress bar draws on a TTY only and erases itself', (t) => {
  const tty = captureIo({ tty: true });
  const bar = new ProgressBar(tty, 'profile', { width: 10 });
  t.ok(bar.visible);
  bar.update(5, 10);
  bar.update(10, 10);
  bar.done();
  t.match(tty.stderr(), /\rprofile █████░░░░░ {2}50% 5\/10/);
  t.match(tty.stderr(), /100% 10\/10/);
  t.ok(tty.stderr().endsWith('\r\u001b[K'));
  t.equal(tty.stdout(), '', 'never on stdout');
  t.equal(bar.render(3, undefined), 'profile 3');
  const pipe = captureIo({ tty: false });
  const quiet = new ProgressBar(pipe, 'profile');
  t.notOk(quiet.visible);
  quiet.update(1, 2);
  quiet.done();
  t.equal(pipe.stderr(), '');
  t.end();
});

t.test('line chart', (t) => {
  const lines = lineChart([0, 1, 2, 3, 4, 5, 6, 7], {
    width: 8,
    height: 4,
    unit: 'kW',
    from: '00:00',
    to: '01:45',
  });
  t.equal(lines.length, 6);
  t.match(lines[0], /^7 kW ┤/);
  t.match(lines[3], /^0 kW ┤•/);
  t.match(lines[4], /└────────$/);
  t.match(lines[5], /00:00 +01:45$/);
  // a jump draws a vertical stroke
  const jump = lineChart([0, 10], { width: 2, height: 5 });
  t.ok(jump.some((l) => l.includes('│')));
  // resampling keeps the width
  const wide = lineChart(
    Array.from({ length: 1000 }, (_, i) => Math.sin(i / 50)),
    { width: 40, height: 6 },
  );
  t.equal(wide[wide.length - 1]?.endsWith('─'.repeat(40)), true);
  t.same(lineChart([Number.NaN]), ['(no values to chart)']);
  const flat = lineChart([3, 3, 3], { height: 3 });
  t.match(flat[0], /^4 ┤/);
  t.match(lineChart([0.0001, 2e13], { height: 2 })[0], /e\+13/);
  t.end();
});
