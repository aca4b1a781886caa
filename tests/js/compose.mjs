// Federation 2 composition of ecohost's SDL with the permits subgraph.
// Usage: node compose.mjs <ecohost.graphql>
//   prints {"supergraphSdl": ...} or {"errors": [...]}; exits 1 on errors.
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { permitsTypeDefs } from './permits.mjs';

export function compose(ecohostSdl, urls = {}) {
  const result = composeServices([
    { name: 'ecohost', typeDefs: parse(ecohostSdl), url: urls.ecohost ?? 'http://ecohost' },
    { name: 'permits', typeDefs: permitsTypeDefs, url: urls.permits ?? 'http://permits' },
  ]);
  if (result.errors) {
    return { errors: result.errors.map((e) => e.message) };
  }
  return { supergraphSdl: result.supergraphSdl, hints: result.hints.map((h) => h.toString()) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const composed = compose(readFileSync(process.argv[2], 'utf8'));
  console.log(JSON.stringify(composed));
  process.exitCode = composed.errors ? 1 : 0;
}
