/**
 * Parameters live in one flat arena with named views (llm.c's
 * malloc_and_point_parameters): the optimizer and gradient clipping are one
 * loop over `data`, a checkpoint is a copy of it, and gradients and optimizer
 * moments share the same layout.
 */
import type { Vec } from './kernels.js';
import { ShapeError } from './errors.js';

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface TensorSlot extends TensorSpec {
  readonly offset: number;
  readonly size: number;
}

export interface ParamLayout {
  readonly tensors: readonly TensorSlot[];
  readonly total: number;
}

/** Allocates n zeroed reals: a backend's `alloc` (Float32Array in production, Float64Array for gradient checks). */
export type Alloc = (n: number) => Vec;

/** Allocates n zeroed float64 values (gradient checks; see float64Backend). */
export const alloc64: Alloc = (n) => new Float64Array(n);

export interface ParamSet {
  readonly data: Vec;
  readonly views: Readonly<Record<string, Vec>>;
}

export function makeLayout(specs: readonly TensorSpec[]): ParamLayout {
  const tensors: TensorSlot[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new ShapeError(`duplicate tensor name ${s.name}`);
    seen.add(s.name);
    const size = s.shape.reduce((a, b) => a * b, 1);
    tensors.push({ name: s.name, shape: [...s.shape], offset, size });
    offset += size;
  }
  return { tensors, total: offset };
}

/** Named subarray views over an arena laid out by `layout`. */
export function viewParams(layout: ParamLayout, data: Vec): ParamSet {
  if (data.length !== layout.total) {
    throw new ShapeError(`arena has ${data.length} values, layout needs ${layout.total}`);
  }
  const views: Record<string, Vec> = {};
  for (const t of layout.tensors) views[t.name] = data.subarray(t.offset, t.offset + t.size);
  return { data, views };
}

export function allocParams(layout: ParamLayout, alloc: Alloc): ParamSet {
  return viewParams(layout, alloc(layout.total));
}

/** The view named `name`; a missing name is a bug. */
export function view(set: ParamSet, name: string): Vec {
  const v = set.views[name];
  if (!v) throw new ShapeError(`no tensor named ${name}`);
  return v;
}
