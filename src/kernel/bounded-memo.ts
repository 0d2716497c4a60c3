/**
 * Remembers `compute`'s results by key, forgetting them all once `limit` keys are held. For pure
 * functions on hot paths that see few distinct keys (a gateway's URLs, its deployments' scopes):
 * a flood of new keys costs no more than computing each one, and memory stays bounded.
 */
export function boundedMemo<K, V>(limit: number, compute: (key: K) => V): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    if (known.size >= limit) known.clear();
    known.set(key, value);
    return value;
  };
}
