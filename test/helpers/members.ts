// The members the decision tests hand to decide() and promotionDecision(): one shape, each file
// choosing only what differs from a stopped member that answered at seqno 10 of U.

import { strict as assert } from 'node:assert';
import { Decision, MemberFacts, Policy, decide } from '../../src/core/decide';

export const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
export const V = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';

/** A member factory whose defaults are changed by base, then by each call's own facts. */
export const memberOf =
  (base: Partial<MemberFacts> = {}) =>
  (id: string, over: Partial<MemberFacts> = {}): MemberFacts => ({
    id,
    name: id,
    self: false,
    answered: true,
    status: 'stopped',
    seqno: 10n,
    seqnoSource: 'recovered',
    uuid: U,
    safeToBootstrap: false,
    ...base,
    ...over,
  });

/** One decide() case: what, the members (self among them), the action, its reason, and the rest. */
export type DecideCase = [
  string,
  MemberFacts[],
  Decision['action'],
  RegExp,
  {
    target?: string;
    advice?: RegExp;
    forced?: boolean;
    policy?: Policy;
    waited?: number;
    retry?: boolean;
    waitingFor?: string[];
  }?,
];

/** An it() per case: decide() with the case's policy (else `policy`) gives its action, reason and the rest. */
export function itDecides(cases: DecideCase[], policy: Policy): void {
  for (const [what, members, action, reason, more] of cases) {
    it(`${what} -> ${action}`, () => {
      const d = decide(members, more?.policy ?? policy, more?.waited ?? 0);
      assert.equal(d.action, action, d.reason);
      assert.match(d.reason, reason);
      if (more?.target !== undefined) assert.equal((d as { target: string }).target, more.target);
      if (more?.advice) assert.match((d as { advice?: string }).advice ?? '', more.advice);
      if (more?.forced !== undefined) assert.equal((d as { forced: boolean }).forced, more.forced);
      if (more?.retry !== undefined) assert.equal((d as { retry?: boolean }).retry, more.retry);
      if (more?.waitingFor !== undefined) assert.deepEqual((d as { waitingFor: string[] }).waitingFor, more.waitingFor);
      if (d.action === 'wait') assert.ok(d.waitingFor.length > 0, 'every wait names what it waits for');
    });
  }
}
