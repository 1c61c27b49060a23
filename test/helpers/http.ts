// Reading a fetch response the way every test client does: status, headers, the text, and the JSON body when it is JSON.

export interface ReadResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: any;
  text: string;
}

/** Reads `res` whole; a body that is not JSON leaves `body` undefined and keeps `text`. */
export async function readResponse(res: Response): Promise<ReadResponse> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}
