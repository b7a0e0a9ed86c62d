/** Items `from` up to `to` (excluded), each with the cursor after it: what an iterate's source yields. */
export function* countingRange(from: number, to: number): Iterable<readonly [number, number]> {
  for (let index = from; index < to; index++) yield [index, index + 1];
}
