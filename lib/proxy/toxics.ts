/**
 * Toxiproxy's toxics as wireplay faults: each toxic type, its attributes and defaults,
 * its validation, and how a list of toxics (each drawn per connection by its
 * `toxicity`) becomes the {@linkcode Faults} one connection sees.
 *
 * @module
 */
import { type Direction, type DirectionFaults, type Faults, noFaults } from "./faults.ts";

/** A toxic as Toxiproxy's API shows it. */
export interface Toxic {
  name: string;
  type: ToxicType;
  /** `upstream` is client → server (our `up`), `downstream` server → client (`down`). */
  stream: "upstream" | "downstream";
  /** Probability (0–1) that a connection gets this toxic, drawn once per connection. */
  toxicity: number;
  attributes: Record<string, number>;
}

/** The toxic types served, with their attributes' defaults. */
export const TOXIC_DEFAULTS = {
  latency: { latency: 0, jitter: 0 },
  bandwidth: { rate: 0 },
  slow_close: { delay: 0 },
  timeout: { timeout: 0 },
  reset_peer: { timeout: 0 },
  slicer: { average_size: 0, size_variation: 0, delay: 0 },
  limit_data: { bytes: 0 },
} as const;

/** A toxic type's name. */
export type ToxicType = keyof typeof TOXIC_DEFAULTS;

/** Why a toxic body was refused (400 in the API). */
export class ToxicError extends Error {}

/**
 * Checks and completes a toxic from an API body (`name` defaults to `TYPE_STREAM`,
 * `stream` to downstream, `toxicity` to 1, attributes to the type's defaults).
 *
 * @throws {ToxicError} for an unknown type, stream or attribute, or a bad number.
 */
export function toxicFromBody(body: Record<string, unknown>, old?: Toxic): Toxic {
  const type = (body.type ?? old?.type) as string;
  if (typeof type !== "string" || !(type in TOXIC_DEFAULTS)) {
    throw new ToxicError(`unknown toxic type "${String(type)}"`);
  }
  const stream = (body.stream ?? old?.stream ?? "downstream") as string;
  if (stream !== "upstream" && stream !== "downstream") {
    throw new ToxicError(`stream must be upstream or downstream, not "${stream}"`);
  }
  const toxicity = Number(body.toxicity ?? old?.toxicity ?? 1);
  if (!(toxicity >= 0 && toxicity <= 1)) {
    throw new ToxicError(`toxicity must be from 0 to 1, not ${String(body.toxicity)}`);
  }
  const defaults: Record<string, number> = TOXIC_DEFAULTS[type as ToxicType];
  const attributes: Record<string, number> = { ...defaults, ...old?.attributes };
  const given = (body.attributes ?? {}) as Record<string, unknown>;
  if (typeof given !== "object" || given === null) {
    throw new ToxicError("attributes: not an object");
  }
  for (const [k, v] of Object.entries(given)) {
    if (!(k in defaults)) throw new ToxicError(`${type} has no attribute "${k}"`);
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new ToxicError(`${type}.${k} must be a number ≥ 0, not ${JSON.stringify(v)}`);
    }
    attributes[k] = v;
  }
  const name = String(body.name ?? old?.name ?? `${type}_${stream}`);
  if (!/^[\w.-]+$/.test(name)) throw new ToxicError(`"${name}" is not a toxic name`);
  return { name, type: type as ToxicType, stream, toxicity, attributes };
}

/** Applies one toxic to a direction's faults (a later toxic of a kind overrides). */
function apply(t: Toxic, d: DirectionFaults): void {
  const a = t.attributes;
  switch (t.type) {
    case "latency":
      // Toxiproxy's jitter is ± around the latency: ours adds 0…jitter on top
      d.latencyMs = Math.max(0, a.latency! - a.jitter!);
      d.jitterMs = a.jitter! ? 2 * a.jitter! : undefined;
      break;
    case "bandwidth":
      d.bandwidth = Math.max(1, a.rate! * 1000); // KB/s
      break;
    case "slow_close":
      d.slowCloseMs = a.delay!;
      break;
    case "timeout":
      d.timeoutAfterMs = 0;
      d.stallCloseMs = a.timeout! > 0 ? a.timeout! : undefined;
      break;
    case "reset_peer":
      d.resetAfterMs = a.timeout!;
      break;
    case "slicer":
      d.slice = Math.max(1, a.average_size!);
      d.sliceVariation = a.size_variation! || undefined;
      d.sliceDelayMs = a.delay! ? a.delay! / 1000 : undefined; // microseconds
      break;
    case "limit_data":
      d.closeAfter = a.bytes!;
      break;
  }
}

const DIRECTION: Record<Toxic["stream"], Direction> = { upstream: "up", downstream: "down" };

/**
 * The faults one connection sees: `base`, then each toxic this connection drew (`drawn`
 * remembers the draw per toxic name, so a connection keeps its luck).
 */
export function faultsOf(base: Faults, toxics: Toxic[], drawn: Map<string, boolean>): Faults {
  const f: Faults = { ...base, up: { ...base.up }, down: { ...base.down } };
  for (const t of toxics) {
    let lucky = drawn.get(t.name);
    if (lucky === undefined) {
      lucky = t.toxicity >= 1 || Math.random() < t.toxicity;
      drawn.set(t.name, lucky);
    }
    if (lucky) apply(t, f[DIRECTION[t.stream]]);
  }
  return f;
}

/** No faults: the base of a proxy created through the API. */
export const NO_BASE: Faults = noFaults();
