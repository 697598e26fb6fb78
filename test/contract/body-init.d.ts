// The generated fetch client names the DOM's `BodyInit`. Node's types declare fetch and its
// `RequestInit` globally but not `BodyInit`, and this project compiles without the DOM lib:
// the same type, taken from what Node declares.
declare global {
  type BodyInit = NonNullable<RequestInit['body']>;
}

export {};
