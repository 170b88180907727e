// Mocha's spec output, then the one line CI reads: "tests: N passed, N failed".
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      // Checks run before mocha (scripts/test.sh: lint, formatting) count here too.
      const extra = (name) => Number(process.env[`TESTS_EXTRA_${name}`] ?? 0) || 0;
      const passed = s.passes + extra('PASSED');
      const failed = s.failures + extra('FAILED');
      const skipped = s.pending + extra('SKIPPED');
      // This listener is added after spec's epilogue, so the line comes last; written synchronously
      // because --exit ends the process right after the run.
      require('fs').writeSync(1, `tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    });
  }
}
module.exports = TotalsReporter;
