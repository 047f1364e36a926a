/**
 * Invariant checks. A failed invariant means the program is wrong, not the input: it is thrown
 * as an AssertionFailure, which nothing may catch and continue from (fail-stop).
 */
export class AssertionFailure extends Error {
  override name = 'AssertionFailure';
}

export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new AssertionFailure(typeof message === 'function' ? message() : message);
  }
}

export function unreachable(value: never, what = 'value'): never {
  throw new AssertionFailure(`unreachable: unexpected ${what} ${String(value)}`);
}
