import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildCorpusCases, writeCorpusCases } from '../src/corpus/build.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = join(here, '..', 'corpus');
const vectors = join(here, '..', '..', '..', 'shared', 'vectors');

t.test(
  'the committed corpus is exactly what the builder makes from the shared vectors',
  { skip: !existsSync(vectors) },
  async (t) => {
    const cases = await buildCorpusCases(vectors);
    t.ok(cases.length >= 80);
    for (const c of cases) {
      for (const [name, content] of Object.entries(c.files)) {
        const committed = await readFile(join(corpus, c.protocol, c.name, name));
        const made = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
        t.ok(committed.equals(made), `${c.protocol}/${c.name}/${name}`);
      }
      t.match(
        c.readme,
        /Source|made here|Made here|Deliberately/i,
        `${c.name} README says where it comes from`,
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'corpus-'));
    await writeCorpusCases(dir, cases.slice(0, 3));
    const first = cases[0]!;
    t.match(await readFile(join(dir, first.protocol, first.name, 'README.md'), 'utf8'), `# ${first.name}`);
  },
);
