// Offline supergraph composition with @apollo/composition (what `rover supergraph compose` does).
// Usage:
//   node compose.mjs --subgraph outcomes=http://127.0.0.1:8000/graphql \
//                    --subgraph directory=http://127.0.0.1:4002/graphql \
//                   [--sdl outcomes=../../schema.graphql] [--sdl directory=directory.graphql] [--out supergraph.graphql]
// A subgraph's SDL comes from --sdl when given, else live from its `_service { sdl }`.
// The routing URLs end up in the supergraph (join__Graph); the gateway can override them.
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { option, pairs } from './args.mjs';

async function liveSdl(name, url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = await response.json().catch(() => ({}));
  const sdl = body?.data?._service?.sdl;
  if (!response.ok || !sdl) {
    throw new Error(`${name}: no _service { sdl } from ${url}: ${response.status} ${JSON.stringify(body)}`);
  }
  return sdl;
}

const urls = pairs('--subgraph');
const files = pairs('--sdl');
if (urls.size === 0) {
  console.error('usage: node compose.mjs --subgraph name=url [--sdl name=file] ... [--out file]');
  process.exit(2);
}
const subgraphs = [];
for (const [name, url] of urls) {
  const sdl = files.has(name) ? readFileSync(files.get(name), 'utf8') : await liveSdl(name, url);
  subgraphs.push({ name, url, typeDefs: parse(sdl) });
}
const result = composeServices(subgraphs);
if (result.errors?.length) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}
for (const hint of result.hints ?? []) console.error(`hint: ${hint.definition.code}: ${hint.message}`);
const out = option('--out');
if (out) writeFileSync(out, result.supergraphSdl);
else process.stdout.write(result.supergraphSdl);
