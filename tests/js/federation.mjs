// @apollo/gateway in front of ecohost and the permits subgraph, for the e2e test.
// Usage: node federation.mjs <ecohost graphql url> <ecohost sdl file> <permits json>
// Prints one JSON line {"router": url, "permits": url} once both listen; runs until
// stdin closes. The caller's Authorization header is forwarded to every subgraph.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { compose } from './compose.mjs';
import { permitsSchema } from './permits.mjs';

const [ecohostUrl, sdlFile, permitsFile] = process.argv.slice(2);

const permits = new ApolloServer({
  schema: permitsSchema(JSON.parse(readFileSync(permitsFile, 'utf8'))),
  plugins: [ApolloServerPluginInlineTraceDisabled()],
});
const { url: permitsUrl } = await startStandaloneServer(permits, { listen: { host: '127.0.0.1', port: 0 } });

const composed = compose(readFileSync(sdlFile, 'utf8'), { ecohost: ecohostUrl, permits: permitsUrl });
if (composed.errors) {
  console.error(JSON.stringify(composed.errors));
  process.exit(1);
}

class Forwarding extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.authorization) {
      request.http.headers.set('authorization', context.authorization);
    }
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: composed.supergraphSdl,
  buildService: ({ url }) => new Forwarding({ url }),
});
const router = new ApolloServer({ gateway });
const { url: routerUrl } = await startStandaloneServer(router, {
  listen: { host: '127.0.0.1', port: 0 },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});

// The one line the test reads; anything the libraries log goes to stderr.
console.log(JSON.stringify({ router: routerUrl, permits: permitsUrl }));

process.stdin.resume();
process.stdin.on('end', async () => {
  await router.stop();
  await permits.stop();
  process.exit(0);
});
