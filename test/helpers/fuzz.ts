// Fuzzing every parser of outside text with fast-check: whatever the input, the result is a typed
// value or the parser's own typed error, never another exception. Inputs that ever broke a parser
// live in test/fixtures/fuzz-corpus/<parser>.json and are replayed first, every run.
// The shared part here; each parser's property lives in that parser's own test file.

import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';

export const CORPUS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'fuzz-corpus');
export const corpus = (name: string): string[] => {
  try {
    return JSON.parse(fs.readFileSync(path.join(CORPUS, `${name}.json`), 'utf8')) as string[];
  } catch {
    return [];
  }
};
export const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

/** Text that looks like the real thing often enough to reach deep branches. */
export const textLike = (words: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 300 }),
    fc
      .array(
        fc.oneof(
          fc.constantFrom(...words),
          fc.string({ maxLength: 12 }),
          fc.constantFrom('\n', ' ', ':', '=', '\0', '-1', '9223372036854775808', '#'),
        ),
        { maxLength: 40 },
      )
      .map((a) => a.join('')),
  );

export function check<T>(name: string, arb: fc.Arbitrary<T>, fromCorpus: (s: string) => T, prop: (v: T) => void): void {
  it(`${name}: never throws anything but its typed error (${RUNS} runs + corpus)`, () => {
    for (const c of corpus(name)) prop(fromCorpus(c));
    fc.assert(fc.property(arb, prop), { numRuns: RUNS });
  });
}
