// The error a call throws, of one class: a test then checks its code, offset or message.

/** Runs f and returns what it throws, which must be an instance of cls; fails if it returns or throws another. */
export function thrown<E extends Error>(cls: new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (e) {
    if (e instanceof cls) return e;
    throw new Error(`expected a ${cls.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error(`expected a ${cls.name}, but the call returned`);
}
