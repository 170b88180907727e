// gvwstate.dat: the last primary component this node was in, saved by Galera when pc.recovery is
// on (the default) and removed on a clean shutdown. Captured from a real MariaDB 10.11 node:
//   my_uuid: ef7717df-e6e6-11f1-bbaa-8630e67cc465
//   #vwbeg
//   view_id: 3 ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48 3
//   bootstrap: 0
//   member: ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48 0
//   member: ef7717df-e6e6-11f1-bbaa-8630e67cc465 0
//   #vwend
// view_id is "<type> <uuid> <seq>"; a member line is "<uuid> <segment>". After a crash of every
// node, the nodes that find the same view here re-form that component by themselves once all of
// its members are back: that is what an operator wants to see from outside, per node.

import { parseUuid } from './gtid';

export interface SavedView {
  /** This node's own gcomm UUID (not the state UUID of grastate.dat). */
  myUuid: string;
  /** "<view uuid>:<seq>": equal on every node that was in the same primary component. */
  viewId: string;
  members: string[];
  /** This node is listed among the members (it should be; a file saying otherwise is suspect). */
  includesSelf: boolean;
}

export interface Gvwstate {
  view: SavedView | null;
  /** What was wrong with the file, for one log line; empty when it was well formed. */
  problems: string[];
}

export const GVWSTATE_MAX_BYTES = 64 * 1024;
/** gcomm caps a view far below this; more is garbage, not a cluster. */
const MAX_MEMBERS = 256;

export function parseGvwstate(data: Buffer | string): Gvwstate {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const fail = (why: string): Gvwstate => ({ view: null, problems: [why] });
  if (buf.length === 0) return fail('file is empty');
  if (buf.length > GVWSTATE_MAX_BYTES) return fail(`file is ${buf.length} bytes, larger than any real gvwstate.dat`);
  if (buf.includes(0)) return fail('file holds binary data');
  let myUuid: string | null = null;
  let viewUuid: string | null = null;
  let viewSeq: string | null = null;
  const members: string[] = [];
  let begun = false;
  let ended = false;
  for (const raw of buf.toString('utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '#vwbeg') {
      begun = true;
      continue;
    }
    if (line === '#vwend') {
      ended = true;
      continue;
    }
    const m = /^([a-z_]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    const words = value.trim().split(/\s+/);
    if (key === 'my_uuid') {
      myUuid = parseUuid(value);
      if (!myUuid) return fail(`my_uuid '${value.slice(0, 40)}' is not a UUID`);
    } else if (key === 'view_id') {
      if (words.length !== 3 || !/^\d{1,3}$/.test(words[0]) || !parseUuid(words[1]) || !/^\d{1,19}$/.test(words[2])) {
        return fail(`view_id '${value.slice(0, 60)}' is not "<type> <uuid> <seq>"`);
      }
      viewUuid = parseUuid(words[1]);
      viewSeq = BigInt(words[2]).toString();
    } else if (key === 'member') {
      const id = parseUuid(words[0] ?? '');
      if (!id || words.length !== 2 || !/^\d{1,3}$/.test(words[1]))
        return fail(`member '${value.slice(0, 60)}' is not "<uuid> <segment>"`);
      if (members.length >= MAX_MEMBERS) return fail(`more than ${MAX_MEMBERS} members`);
      if (!members.includes(id)) members.push(id);
    }
  }
  if (!myUuid) return fail('no my_uuid line');
  // Galera writes the file whole and renames it; a missing end marker means it was cut short.
  if (!begun || !ended) return fail('the view is cut short (no #vwbeg/#vwend)');
  if (!viewUuid || viewSeq === null) return fail('no view_id line');
  if (members.length === 0) return fail('the view has no members');
  const view: SavedView = { myUuid, viewId: `${viewUuid}:${viewSeq}`, members, includesSelf: members.includes(myUuid) };
  return { view, problems: view.includesSelf ? [] : ['this node (my_uuid) is not among the saved members'] };
}

export const GVWSTATE_FILE = { name: 'gvwstate.dat', maxBytes: GVWSTATE_MAX_BYTES, parse: parseGvwstate };
