import { strict as assert } from 'node:assert';
import { formatTable } from '../../../src/init/table';

describe('the members table', () => {
  it('shows every member, who answered, and the decision with its reason', () => {
    const t = formatTable(
      [
        {
          id: 'a:161',
          name: 'db-a',
          self: true,
          answered: true,
          status: 'initiating',
          seqno: 9n,
          seqnoSource: 'grastate',
          uuid: null,
          safeToBootstrap: null,
        },
        {
          id: 'c:161',
          name: 'db-c',
          self: false,
          answered: true,
          status: 'running',
          clusterStatus: 'nonPrimary',
          seqno: 12n,
          seqnoSource: 'live',
          uuid: null,
          safeToBootstrap: null,
        },
        { id: 'b:161', self: false, answered: false, error: 'no answer (timeout)' },
      ],
      { action: 'wait', waitingFor: ['b:161'], reason: 'waiting for b:161', advice: 'start the agent of b:161' },
    );
    assert.match(t, /a:161 \(this node\)\s+db-a\s+yes\s+initiating\s+-\s+9\s+grastate/);
    assert.match(t, /c:161\s+db-c\s+yes\s+running\s+nonPrimary\s+12\s+live/);
    assert.match(t, /b:161\s+\?\s+no\s+\?\s+-\s+\?.*no answer \(timeout\)/);
    assert.match(t, /decision: wait\nreason: {3}waiting for b:161\nadvice: {3}start the agent of b:161\n$/);
  });
});
