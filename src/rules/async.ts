/**
 * Returned by a synchronous reader when the value needs the asynchronous JSONata evaluator:
 * a full JSONata expression, or a fast path that met a case where JSONata's semantics
 * (sequences, type errors) must decide.
 */
export const ASYNC: unique symbol = Symbol('async');
