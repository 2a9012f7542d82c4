/**
 * The OpenAPI description and the typed publisher (`packages/publisher`, which writes its shapes out
 * instead of importing the server's) describe the same API: the same methods, every request the
 * publisher's types allow is one the description accepts, and every result the description
 * documents is one the publisher's types expect, and back. Checked by `tsc`; the run only counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import type { ApiMethods, MethodName, RequestOf, ResultOf } from '../../packages/publisher/src/types.js';
import { methodDescriptions } from '../../src/api/openapi/method-schemas.js';

type Described = typeof methodDescriptions;
type Params<M extends MethodName> = z.input<Described[M]['params']>;
type Result<M extends MethodName> = z.output<Described[M]['result']>;

/** True when every value of T is true. */
type AllTrue<T> = T[keyof T] extends true ? true : false;

type SameMethods = [keyof ApiMethods] extends [keyof Described]
  ? [keyof Described] extends [keyof ApiMethods]
    ? true
    : false
  : false;
type RequestsFit = { [M in MethodName]: [RequestOf<M>] extends [Params<M>] ? true : false };
type ResultsFit = { [M in MethodName]: [Result<M>] extends [ResultOf<M>] ? true : false };
type ResultsBack = { [M in MethodName]: [ResultOf<M>] extends [Result<M>] ? true : false };

const agreements: true[] = [
  true satisfies SameMethods,
  true satisfies AllTrue<RequestsFit>,
  true satisfies AllTrue<ResultsFit>,
  true satisfies AllTrue<ResultsBack>,
];

describe('OpenAPI description and the publisher types', () => {
  it('agree on methods, requests and results (compile-time)', () => {
    assert.equal(agreements.length, 4);
    assert.equal(Object.keys(methodDescriptions).length, 15);
  });
});
