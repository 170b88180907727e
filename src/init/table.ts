// The members table that galera-init --dry-run and galera-check cluster print: every member's
// answer, then the decision with its reason and advice.

import { type Decision, type MemberFacts, arbitrator } from '../core/decide';

export function formatTable(members: MemberFacts[], d: Decision): string {
  const rows = members.map((m) => [
    `${m.id}${m.self ? ' (this node)' : ''}`,
    m.name ?? '?',
    m.answered ? 'yes' : 'no',
    m.status ?? '?',
    m.status === 'running' || m.status === 'bootstrapping' ? (m.clusterStatus ?? '?') : '-',
    m.seqno?.toString() ?? '?',
    m.seqnoSource ?? '?',
    m.uuid ?? '',
    m.safeToBootstrap === true ? '1' : m.safeToBootstrap === false ? '0' : '?',
    m.userData === true ? (m.userSchemas ?? []).join(',') || 'yes' : m.userData === false ? '-' : m.answered ? '?' : '',
    [arbitrator(m) ? 'arbitrator (garbd): not waited for' : '', m.error ?? ''].filter(Boolean).join('; '),
  ]);
  const head = ['member', 'name', 'answered', 'status', 'cluster', 'seqno', 'source', 'uuid', 'safe', 'data', 'note'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string =>
    r
      .map((x, c) => x.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  const advice = 'advice' in d && d.advice ? `advice:   ${d.advice}\n` : '';
  return `${[line(head), ...rows.map(line)].join('\n')}\n\ndecision: ${d.action}${'target' in d ? ` ${d.target}` : ''}\nreason:   ${d.reason}\n${advice}`;
}
