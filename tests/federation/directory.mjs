// A second subgraph for the federation e2e test: a tiny school directory that extends outcome-graph's
// User with `email` and Course with `term`, from an in-memory map of the demo course's people.
// Usage: node directory.mjs [--port 4002]      (prints "ready <url>" when listening)
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { option } from './args.mjs';

const typeDefs = parse(readFileSync(new URL('./directory.graphql', import.meta.url), 'utf8'));

// Demo course people (outcome_graph/db/demo_course.json): teacher, TA, observer, some students.
const EMAILS = new Map([
  ['1', 'ghopper@school.example'],
  ['2', 'mreed@school.example'],
  ['3', 'marco.rossi.parent@home.example'],
  ['101', 'maya.patel@school.example'],
  ['102', 'liam.oconnor@school.example'],
  ['107', 'isabella.rossi@school.example'],
]);
const TERMS = new Map([['1', 'Fall 2026']]);

const user = (id) => (EMAILS.has(id) ? { id, email: EMAILS.get(id) } : null);

const resolvers = {
  Query: {
    directoryUsers: () => [...EMAILS.keys()].map(user),
    directoryUser: (_, { id }) => user(id),
  },
  User: {
    __resolveReference: ({ id }) => ({ id, email: EMAILS.get(id) ?? null }),
  },
  Course: {
    __resolveReference: ({ id }) => ({ id, term: TERMS.get(id) ?? null }),
  },
};

const server = new ApolloServer({
  schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
  includeStacktraceInErrorResponses: false,
});
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(option('--port', '4002')) },
});
console.log(`ready ${url}`);
