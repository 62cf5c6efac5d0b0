// The closed loop the bench modules share: a fixed number of calls, a few at a time.

/** Runs `total` calls of `op(i)`, `concurrency` at a time; throws on the first failure. */
export async function inParallel(total, concurrency, op) {
  let next = 0;
  const loop = async () => {
    while (next < total) await op(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}
