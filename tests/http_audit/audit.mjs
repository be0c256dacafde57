// Runs graphql-http's GraphQL-over-HTTP server audit against a URL and prints the results as JSON.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const results = await auditServer({ url });
const out = [];
for (const r of results) {
  const item = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') {
    item.reason = r.reason;
    item.httpStatus = r.response.status;
    item.contentType = r.response.headers.get('content-type');
    try {
      item.body = (await r.response.text()).slice(0, 500);
    } catch {
      item.body = null; // already read by the audit
    }
  }
  out.push(item);
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
