// my.cnf-style option files: [section] headers, key=value or bare keys, # and ; comments,
// optional quotes. Only what a client connection needs is read; !include is not followed here.

export type OptionSections = Map<string, Map<string, string>>;

export function parseOptionFile(text: string): OptionSections {
  const out: OptionSections = new Map();
  let section: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('!')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      const name = sec[1].trim().toLowerCase();
      section = out.get(name) ?? new Map();
      out.set(name, section);
      continue;
    }
    if (!section) continue;
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).trim().toLowerCase().replace(/-/g, '_');
    let value = eq < 0 ? '' : line.slice(eq + 1).trim();
    const q = /^(["'])(.*)\1$/.exec(value);
    if (q) value = q[2];
    else value = value.replace(/\s+#.*$/, '');
    section.set(key, value);
  }
  return out;
}

export interface ClientOptions {
  user?: string;
  password?: string;
  socketPath?: string;
  host?: string;
  port?: number;
}

/** The [client] section (then [galera-agentx], which wins) as connection options. */
export function clientOptions(sections: OptionSections): ClientOptions {
  const merged = new Map([...(sections.get('client') ?? []), ...(sections.get('galera-agentx') ?? [])]);
  const o: ClientOptions = {};
  if (merged.get('user')) o.user = merged.get('user');
  if (merged.has('password')) o.password = merged.get('password');
  if (merged.get('socket')) o.socketPath = merged.get('socket');
  if (merged.get('host')) o.host = merged.get('host');
  const port = Number(merged.get('port'));
  if (Number.isInteger(port) && port > 0 && port < 65536) o.port = port;
  return o;
}
