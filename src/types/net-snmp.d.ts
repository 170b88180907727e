// The few parts of npm net-snmp we use: its MIB parser (ModuleStore) and, in tests, its client.
declare module 'net-snmp' {
  export interface ModuleStore {
    loadFromFile(path: string): void;
    getModule(name: string): Record<string, Record<string, unknown>>;
    getProvidersForModule(name: string): unknown[];
  }
  export function createModuleStore(): ModuleStore;
  export function createSession(target: string, community: string, options?: Record<string, unknown>): any;
  export const ObjectType: Record<string, number>;
  export function isVarbindError(vb: unknown): boolean;
  export function varbindError(vb: unknown): string;
}
