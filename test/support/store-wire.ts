import * as errors from '../../src/shared/errors';

/** The messages between test/support/shared-store.ts (host) and store-process.ts (child). */
export interface CallMessage {
  t: 'call';
  id: number;
  repo: string;
  method: string;
  args: unknown[];
}
export type HostMessage = { t: 'result'; id: number; ok: true; value: unknown } | { t: 'result'; id: number; ok: false; error: WireError };
export type ChildMessage = CallMessage | { t: 'ready'; port: number; apiKey: string | null };

export interface WireError {
  name: string;
  message: string;
  props: Record<string, unknown>;
}

/** An error as plain data: its class name and own properties (code, status, identifier, …). */
export function toWire(err: unknown): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'cause') props[k] = v;
  return { name: e.constructor?.name ?? e.name, message: e.message, props };
}

const classes = errors as unknown as Record<string, new (...a: never[]) => Error>;

/** Rebuilds the error as an instance of its own class, so the worker classifies it as it would in-process. */
export function fromWire(w: WireError): Error {
  const cls = classes[w.name];
  const err: Error = cls && typeof cls === 'function' && cls.prototype instanceof Error ? Object.create(cls.prototype) : new Error();
  Object.assign(err, w.props);
  err.message = w.message;
  err.name = w.name;
  err.stack = `${w.name}: ${w.message}\n    at (store host)`;
  return err;
}
