// The members the decision tests hand to decide() and promotionDecision(): one shape, each file
// choosing only what differs from a stopped member that answered at seqno 10 of U.

import type { MemberFacts } from '../../src/core/decide';

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
