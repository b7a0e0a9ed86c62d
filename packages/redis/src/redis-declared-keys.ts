/**
 * A script's answer asking for keys it names only once it has read another (an ordering line, a dedupe key's
 * holder): `[[key, …]]`, having written nothing (declared_key, scripts/common.lua).
 */
export type DeclareKeys = [readonly string[]];

function asksToDeclare(reply: unknown): reply is DeclareKeys {
  return Array.isArray(reply) && Array.isArray(reply[0]);
}

/** Asks honoured at most (so at most one send more): a later ask found keys missing after the ones asked before were declared. */
const maxAsks = 3;

/**
 * Makes a script call whose keys are `call[0..keyCount)`, again with the keys it asks for declared after those, so
 * that on a Cluster whose slot is half moved Redis answers TRYAGAIN (which `send` waits out) until they are there,
 * rather than the script taking one not yet moved for missing. On a single node, or once nothing moves, a declared
 * key that is missing is passed over by the script (deleted by hand): the second call is the last.
 */
export async function withDeclaredKeys<T>(keyCount: number, call: (string | number)[], send: (keyCount: number, call: readonly (string | number)[]) => Promise<T | DeclareKeys>): Promise<T> {
  let declared = keyCount;
  for (let asks = 0; ; asks += 1) {
    const reply = await send(declared, call);
    if (!asksToDeclare(reply)) return reply;
    const keys = [...new Set(reply[0])].filter((key) => !call.slice(keyCount, declared).includes(key));
    if (asks === maxAsks || keys.length === 0) throw new Error(`a Redis script kept finding keys missing after they were declared: ${reply[0].join(", ")}`);
    call.splice(declared, 0, ...keys);
    declared += keys.length;
  }
}
