// The agent's datadir reads await libuv's thread pool (src/sources/source.ts), so that a datadir on
// a hung filesystem holds threads, not the event loop that answers snmpd. Each datadir source has
// at most one look out: four threads, libuv's whole default pool, and then a member's name lookup
// (getaddrinfo runs there too) would queue behind them and the split-brain watch would stall.
// libuv sizes the pool at its first use, which comes after this line: agent.ts imports this module
// right after node-version.ts, which does no asynchronous I/O.
process.env.UV_THREADPOOL_SIZE ??= '16';
