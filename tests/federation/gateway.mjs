// @apollo/gateway over an offline-composed supergraph, forwarding the caller's Authorization header to
// every subgraph (outcome-graph decides access; the gateway holds no session).
// Usage: node gateway.mjs --supergraph supergraph.graphql [--port 4000] [--url outcomes=http://...]
//   --url overrides a subgraph's routing URL from the supergraph (e.g. per environment).
// Prints "ready <url>" when listening.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { option, pairs } from './args.mjs';

class ForwardAuthorization extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.authorization) request.http.headers.set('authorization', context.authorization);
  }
}

const supergraph = option('--supergraph');
if (!supergraph) {
  console.error('usage: node gateway.mjs --supergraph supergraph.graphql [--port 4000] [--url name=url]');
  process.exit(2);
}
const overrides = pairs('--url');
const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraph, 'utf8'),
  buildService: ({ name, url }) => new ForwardAuthorization({ url: overrides.get(name) ?? url }),
});
const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(option('--port', '4000')) },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(`ready ${url}`);
