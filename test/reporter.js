// Mocha's spec output, then the one line CI reads: "tests: N passed, N failed".
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      // This listener is added after spec's epilogue, so the line comes last; written synchronously
      // because --exit ends the process right after the run.
      require('fs').writeSync(1, `tests: ${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}\n`);
    });
  }
}
module.exports = TotalsReporter;
