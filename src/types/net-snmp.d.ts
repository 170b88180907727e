// The few parts of npm net-snmp we use: its MIB parser (ModuleStore) and, in tests, its client.
declare module 'net-snmp' {
  export interface ModuleStore {
    loadFromFile(path: string): void;
    getModule(name: string): Record<string, Record<string, unknown>>;
    getProvidersForModule(name: string): unknown[];
  }
  export function createModuleStore(): ModuleStore;
  /** A varbind as the client hands it over: value is a number, Buffer, bigint or null by type. */
  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }
  type Callback = (err: Error | null, varbinds: Varbind[]) => void;
  /** The client session (tests, bench and galera-init's peer queries). */
  export interface Session {
    get(oids: string[], cb: Callback): void;
    getNext(oids: string[], cb: Callback): void;
    getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number, cb: Callback): void;
    close(): void;
  }
  export function createSession(target: string, community: string, options?: Record<string, unknown>): Session;
  export const ObjectType: Record<string, number>;
  export const Version2c: number;
  export const Version3: number;
  export const SecurityLevel: Record<string, number>;
  export const AuthProtocols: Record<string, number>;
  export const PrivProtocols: Record<string, number>;
  export function createV3Session(
    target: string,
    user: Record<string, unknown>,
    options?: Record<string, unknown>,
  ): Session;
  /** The MIB of an agent made by createAgent (the bench's simulated peers). */
  export interface AgentMib {
    registerProvider(provider: Record<string, unknown>): void;
    setScalarValue(name: string, value: unknown): void;
  }
  export interface Agent {
    getMib(): AgentMib;
    /** The agent's users and communities (tests: an agent that knows one SNMPv3 user). */
    getAuthorizer(): { addUser(user: Record<string, unknown>): void; addCommunity(community: string): void };
    close(): void;
  }
  export const MibProviderType: Record<string, number>;
  export const MaxAccess: Record<string, number>;
  export const AccessControlModelType: Record<string, number>;
  export function createAgent(
    options: Record<string, unknown>,
    callback: (err: Error | null, data: unknown) => void,
  ): Agent;
  export function isVarbindError(vb: unknown): boolean;
  /** Every retry of a request went unanswered. */
  export class RequestTimedOutError extends Error {}
  /** An answer that does not fit the request; code is one of ResponseInvalidCode (EAuthFailure, ...). */
  export class ResponseInvalidError extends Error {
    constructor(message: string, code: number, info?: unknown);
    code: number;
  }
  export const ResponseInvalidCode: Record<string, number>;
  export function varbindError(vb: unknown): string;
}
