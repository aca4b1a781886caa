// The graphql-http audit suite against a served endpoint.
// Usage: node audit.mjs <url>  — prints one JSON line per audit: {id, name, status, reason?}.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint url>');
  process.exit(2);
}

for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    try {
      line.response = { status: result.response.status, body: await result.response.text() };
    } catch {
      // a body already read by the audit
    }
  }
  console.log(JSON.stringify(line));
}
