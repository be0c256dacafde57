// The page's only way to the service: the public GraphQL API over HTTP, and graphql-transport-ws for
// subscriptions (text frames, the token in connection_init's payload), exactly as any other client.
const ENDPOINT = new URL("../graphql", document.baseURI);
const TOKEN_KEY = "outcome-graph-token";

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refusal or failure in the API's own words (message and extensions.code). */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

function firstError(errors) {
  const error = errors[0];
  return new ApiError(error.message, error.extensions?.code ?? "ERROR");
}

/** One GraphQL request; any error in the answer is thrown (a screen shows nothing half-filled). */
export async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token.get()}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`The service cannot be reached (${error.message}).`, "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The service answered ${response.status} without a GraphQL response.`, "HTTP");
  }
  if (body.errors?.length) throw firstError(body.errors);
  return body.data;
}

/**
 * A subscription over graphql-transport-ws: onNext gets each payload's data; resolves when the server
 * completes it; rejects with the API's error. Returns { done, stop }.
 */
export function subscribe(query, variables, onNext) {
  const url = new URL(ENDPOINT);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url, "graphql-transport-ws");
  const stop = () => socket.readyState <= WebSocket.OPEN && socket.close(1000, "done");
  const done = new Promise((resolve, reject) => {
    const send = (message) => socket.send(JSON.stringify(message));
    socket.onopen = () => send({ type: "connection_init", payload: { Authorization: `Bearer ${token.get()}` } });
    socket.onmessage = ({ data }) => {
      const message = JSON.parse(data);
      if (message.type === "connection_ack") send({ id: "1", type: "subscribe", payload: { query, variables } });
      else if (message.type === "ping") send({ type: "pong" });
      else if (message.type === "next" && message.payload.errors?.length) reject(firstError(message.payload.errors));
      else if (message.type === "next") onNext(message.payload.data);
      else if (message.type === "error") reject(firstError(message.payload));
      else if (message.type === "complete") { resolve(); stop(); }
    };
    socket.onclose = (event) => reject(new ApiError(event.reason || `The live connection closed (${event.code}).`, "SOCKET"));
  });
  return { done, stop };
}
