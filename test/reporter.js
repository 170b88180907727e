// Mocha's spec output, then the one line CI reads: "tests: N passed, N failed".
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      // Printed after spec's epilogue so it is the last line.
      setImmediate(() => process.stdout.write(`tests: ${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}\n`));
    });
  }
}
module.exports = TotalsReporter;
