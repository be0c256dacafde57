// graphql-ws (the client browsers use) against a live outcome-graph serve: enqueue a recalculation job over
// HTTP, follow it over graphql-transport-ws until the server completes the subscription, print what came.
// Usage: node subscribe.mjs --url http://127.0.0.1:PORT/graphql --token TOKEN [--user ID]
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const authorization = `Bearer ${args.token}`;
const enqueue = 'mutation($u: ID) { enqueueOutcomeRollupCalculation(courseId: "1", userId: $u) { id state } }';
const response = await fetch(args.url, {
  method: "POST",
  headers: { "Content-Type": "application/json", Authorization: authorization },
  body: JSON.stringify({ query: enqueue, variables: { u: args.user ?? null } }),
});
const job = (await response.json()).data.enqueueOutcomeRollupCalculation;

const client = createClient({
  url: args.url.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: authorization },
  retryAttempts: 0,
});
const states = [];
try {
  const subscription = client.iterate({
    query: "subscription($id: ID!) { rollupJobUpdated(id: $id) { id state progress } }",
    variables: { id: job.id },
  });
  for await (const result of subscription) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    states.push(result.data.rollupJobUpdated.state);
  }
  console.log(JSON.stringify({ job: job.id, states }));
} catch (error) {
  console.error(`subscription failed after ${JSON.stringify(states)}: ${error?.message ?? JSON.stringify(error)}`);
  process.exitCode = 1;
} finally {
  await client.dispose();
}
